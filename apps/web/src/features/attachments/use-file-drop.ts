import { useState, type ClipboardEvent, type DragEvent } from 'react';

/*
 * Files dropped onto the conversation, and images pasted into it (a screenshot in the message
 * field), go where the attach button's files go. A shortcut for pointer and clipboard users:
 * the attach button is the way for everyone else. Text is pasted as text: a clipboard that
 * holds text too is left to the field.
 */

export interface FileDropProps {
  readonly onDragEnter: (event: DragEvent<HTMLElement>) => void;
  readonly onDragOver: (event: DragEvent<HTMLElement>) => void;
  readonly onDragLeave: (event: DragEvent<HTMLElement>) => void;
  readonly onDrop: (event: DragEvent<HTMLElement>) => void;
  readonly onPaste: (event: ClipboardEvent<HTMLElement>) => void;
  readonly 'data-drop-target'?: true;
}

export interface FileDrop {
  readonly isDropTarget: boolean;
  /** Spread onto the element that takes the files. */
  readonly props: FileDropProps;
}

const hasFiles = (event: DragEvent<HTMLElement>): boolean =>
  event.dataTransfer.types.includes('Files');

export function useFileDrop(onFiles: (files: File[]) => void, isEnabled: boolean): FileDrop {
  const [isDropTarget, setDropTarget] = useState(false);
  const accept = (event: DragEvent<HTMLElement>): void => {
    if (!isEnabled || !hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDropTarget(true);
  };
  return {
    isDropTarget,
    props: {
      onDragEnter: accept,
      onDragOver: accept,
      onDragLeave: (event) => {
        const next = event.relatedTarget;
        if (!(next instanceof Node) || !event.currentTarget.contains(next)) setDropTarget(false);
      },
      onDrop: (event) => {
        setDropTarget(false);
        if (!isEnabled || !hasFiles(event)) return;
        event.preventDefault();
        onFiles([...event.dataTransfer.files]);
      },
      onPaste: (event) => {
        const clipboard = event.clipboardData;
        if (!isEnabled || clipboard.files.length === 0 || clipboard.types.includes('text/plain')) {
          return;
        }
        event.preventDefault();
        onFiles([...clipboard.files]);
      },
      ...(isDropTarget ? { 'data-drop-target': true } : {}),
    },
  };
}
