/*
 * Progress of an upload or download on standard error, only when that is a terminal: a script's
 * log gets no carriage-return noise. One line, rewritten when the whole percentage changes.
 */

const MIB = 1024 * 1024;

export interface Progress {
  update(doneBytes: number, totalBytes: number): void;
  /** Ends the line, if one was written. */
  finish(): void;
}

const SILENT: Progress = { update: () => undefined, finish: () => undefined };

function mebibytes(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

export function progressLine(label: string, doneBytes: number, totalBytes: number): string {
  const percent = totalBytes === 0 ? 100 : Math.floor((doneBytes / totalBytes) * 100);
  return `${label} ${mebibytes(doneBytes)} of ${mebibytes(totalBytes)} (${percent}%)`;
}

export function createProgress(
  write: (text: string) => void,
  isTerminal: boolean,
  label: string,
): Progress {
  if (!isTerminal) return SILENT;
  let shownPercent = -1;
  return {
    update(doneBytes, totalBytes) {
      const percent = totalBytes === 0 ? 100 : Math.floor((doneBytes / totalBytes) * 100);
      if (percent === shownPercent) return;
      shownPercent = percent;
      write(`\r${progressLine(label, doneBytes, totalBytes)}`);
    },
    finish() {
      if (shownPercent >= 0) write('\n');
    },
  };
}

/** "830 bytes", "12.4 KiB", "3.1 MiB", "2.0 GiB". */
export function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  return `${(bytes / (1024 * MIB)).toFixed(1)} GiB`;
}
