/**
 * Whether an RTP payload starts a VP8 keyframe (RFC 7741): the payload descriptor says "start
 * of partition 0" and the first byte after it has the inverse key-frame flag P = 0. Both are
 * outside the SFrame ciphertext (the descriptor is added by the packetizer, the VP8 payload
 * header is left in the clear by the sender, ADR 0017), so the SFU reads them without any key.
 * Hand-written rather than werift's Vp8RtpPayload because it runs for every packet and must
 * not allocate.
 */
export function isVp8KeyframeStart(payload: Uint8Array): boolean {
  const first = payload[0];
  if (first === undefined) return false;
  const isStart = (first & 0x10) !== 0;
  const partitionId = first & 0x07;
  if (!isStart || partitionId !== 0) return false;
  let offset = 1;
  if ((first & 0x80) !== 0) {
    const extension = payload[offset];
    if (extension === undefined) return false;
    offset += 1;
    if ((extension & 0x80) !== 0) {
      const pictureId = payload[offset];
      if (pictureId === undefined) return false;
      offset += (pictureId & 0x80) !== 0 ? 2 : 1;
    }
    if ((extension & 0x40) !== 0) offset += 1;
    if ((extension & 0x30) !== 0) offset += 1;
  }
  const header = payload[offset];
  return header !== undefined && (header & 0x01) === 0;
}
