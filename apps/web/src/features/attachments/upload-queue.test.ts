import { MessagingError, type FileToSend, type SentFile } from '@amtsbote/client';
import type { OrganizationPolicy } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { UploadQueue, type UploadOutcome, type UploadSender } from './upload-queue.js';

const POLICY = {
  hasReadReceipts: true,
  maxFileMegabytes: 10,
  fileQuotaGigabytes: 1,
  isFileDownloadAllowed: true,
  fileTypes: { mode: 'deny', extensions: ['exe'] },
  vaultWipeAfterFailures: 10,
  maxLockAfterMinutes: 60,
} satisfies OrganizationPolicy;

interface Call {
  readonly conversationId: string;
  readonly file: FileToSend;
  readonly bytes: Promise<Uint8Array>;
  /** Ends this call: resolves, or rejects with the error. */
  finish(error?: Error): void;
}

/** A sender whose calls wait until the test finishes them; cancellation rejects as the client does. */
function fakeSender(): { sender: UploadSender; calls: Call[] } {
  const calls: Call[] = [];
  const sender: UploadSender = {
    policy: () => Promise.resolve(POLICY),
    sendFile: (conversationId, file) =>
      new Promise<SentFile>((resolve, reject) => {
        if (file.signal?.aborted === true) {
          reject(new MessagingError('cancelled', 'cancelled'));
          return;
        }
        file.signal?.addEventListener('abort', () => {
          reject(new MessagingError('cancelled', 'cancelled'));
        });
        calls.push({
          conversationId,
          file,
          bytes: new Response(file.body as ReadableStream<Uint8Array>)
            .arrayBuffer()
            .then((b) => new Uint8Array(b)),
          finish: (error) => {
            if (error === undefined) resolve({ fileId: `file-${calls.length}` } as SentFile);
            else reject(error);
          },
        });
      }),
  };
  return { sender, calls };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const file = (name: string, text = 'Inhalt', type = 'application/pdf'): File =>
  new File([text], name, { type });

function queueWith(sender: UploadSender): { queue: UploadQueue; outcomes: UploadOutcome[] } {
  const queue = new UploadQueue(sender, () => Promise.resolve(null));
  const outcomes: UploadOutcome[] = [];
  queue.onOutcome((outcome) => outcomes.push(outcome));
  return { queue, outcomes };
}

describe('UploadQueue', () => {
  it('sends files one after the other, in the order chosen, with their bytes and type', async () => {
    const { sender, calls } = fakeSender();
    const { queue, outcomes } = queueWith(sender);
    queue.add('c1', [file('a.pdf', 'AAA'), file('b', 'BB', '')]);
    await settle();
    expect(calls).toHaveLength(1);
    expect(queue.uploadsOf('c1').map((u) => u.state)).toEqual(['uploading', 'queued']);
    expect(calls[0]?.file).toMatchObject({
      name: 'a.pdf',
      mediaType: 'application/pdf',
      sizeBytes: 3,
    });
    expect(new TextDecoder().decode(await calls[0]?.bytes)).toBe('AAA');
    calls[0]?.finish();
    await settle();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.file).toMatchObject({ name: 'b', mediaType: 'application/octet-stream' });
    calls[1]?.finish();
    await settle();
    expect(queue.uploadsOf('c1')).toEqual([]);
    expect(outcomes.map((o) => `${o.kind} ${o.name}`)).toEqual(['sent a.pdf', 'sent b']);
  });

  it('cancels a running upload through its signal, and a waiting one before it starts', async () => {
    const { sender, calls } = fakeSender();
    const { queue, outcomes } = queueWith(sender);
    queue.add('c1', [file('a.pdf'), file('b.pdf'), file('c.pdf')]);
    await settle();
    const [running, waiting] = queue.uploadsOf('c1');
    queue.cancel(waiting?.id ?? 0);
    queue.cancel(running?.id ?? 0);
    await settle();
    expect(calls[0]?.file.signal?.aborted).toBe(true);
    expect(calls.map((c) => c.file.name)).toEqual(['a.pdf', 'c.pdf']);
    expect(queue.uploadsOf('c1').map((u) => u.file.name)).toEqual(['c.pdf']);
    expect(outcomes.map((o) => `${o.kind} ${o.name}`)).toEqual([
      'cancelled b.pdf',
      'cancelled a.pdf',
    ]);
  });

  it('keeps a refused file with its problem, offers no retry, and goes on with the next', async () => {
    const { sender, calls } = fakeSender();
    const { queue, outcomes } = queueWith(sender);
    queue.add('c1', [file('setup.exe'), file('gross.pdf'), file('ok.pdf')]);
    await settle();
    calls[0]?.finish(new MessagingError('file_type_not_allowed', 'no .exe'));
    await settle();
    calls[1]?.finish(new MessagingError('file_too_large', 'too large'));
    await settle();
    const [refusedType, tooLarge] = queue.uploadsOf('c1');
    expect(refusedType).toMatchObject({
      state: 'failed',
      problem: { kind: 'type_not_allowed', extension: 'exe' },
    });
    expect(tooLarge?.problem).toEqual({ kind: 'too_large', maxMegabytes: 10 });
    queue.retry(refusedType?.id ?? 0);
    await settle();
    expect(queue.uploadsOf('c1')[0]?.state).toBe('failed');
    expect(calls.map((c) => c.file.name)).toEqual(['setup.exe', 'gross.pdf', 'ok.pdf']);
    queue.dismiss(refusedType?.id ?? 0);
    expect(queue.uploadsOf('c1').map((u) => u.file.name)).toEqual(['gross.pdf', 'ok.pdf']);
    expect(outcomes.filter((o) => o.kind === 'failed')).toHaveLength(2);
  });

  it('sends a failed file again on retry, from its first byte', async () => {
    const { sender, calls } = fakeSender();
    const { queue } = queueWith(sender);
    queue.add('c1', [file('a.pdf', 'ABC')]);
    await settle();
    calls[0]?.finish(new MessagingError('send_refused', 'refused'));
    await settle();
    const [failed] = queue.uploadsOf('c1');
    expect(failed?.problem).toEqual({ kind: 'failed' });
    queue.retry(failed?.id ?? 0);
    await settle();
    expect(calls).toHaveLength(2);
    expect(new TextDecoder().decode(await calls[1]?.bytes)).toBe('ABC');
    calls[1]?.finish();
    await settle();
    expect(queue.uploadsOf('c1')).toEqual([]);
  });

  it('takes a message left in the outbox as on its way, and keeps lists per conversation', async () => {
    const { sender, calls } = fakeSender();
    const { queue, outcomes } = queueWith(sender);
    queue.add('c1', [file('a.pdf')]);
    queue.add('c2', [file('b.pdf')]);
    await settle();
    expect(queue.uploadsOf('c2').map((u) => u.state)).toEqual(['queued']);
    const c2 = queue.uploadsOf('c2');
    calls[0]?.file.onProgress?.(4, 10);
    expect(queue.uploadsOf('c1')[0]).toMatchObject({ sentBytes: 4, totalBytes: 10 });
    // Another conversation's change leaves this list as it was, for React.
    expect(queue.uploadsOf('c2')).toBe(c2);
    calls[0]?.file.onProgress?.(10, 10);
    expect(queue.uploadsOf('c1')[0]?.state).toBe('delivering');
    calls[0]?.finish(new MessagingError('send_pending', 'offline'));
    await settle();
    expect(outcomes[0]).toEqual({ kind: 'waiting', conversationId: 'c1', name: 'a.pdf' });
    expect(queue.uploadsOf('c1')).toEqual([]);
    expect(calls[1]?.conversationId).toBe('c2');
    expect(queue.uploadsOf('c2')).not.toBe(c2);
  });
});
