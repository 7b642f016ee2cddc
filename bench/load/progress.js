/*
 * What a load run is doing, on stderr (the report goes to stdout): the processes it started,
 * by process id, and each phase, so a long run can be followed and its processes checked.
 */
export function progress(message) {
  process.stderr.write(`[load ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
