/* The werift configuration of every benchmark peer: VP8 with NACK and PLI, loopback only. */
import { RTCRtpCodecParameters, useNACK, usePLI, useSdesMid } from 'werift';

export const loopbackPeerConfig = () => ({
  codecs: {
    video: [
      new RTCRtpCodecParameters({
        mimeType: 'video/VP8',
        clockRate: 90_000,
        rtcpFeedback: [useNACK(), usePLI()],
      }),
    ],
  },
  headerExtensions: { video: [useSdesMid()] },
  iceUseIpv6: false,
  iceAdditionalHostAddresses: ['127.0.0.1'],
  iceFilterCandidatePair: (pair) =>
    pair.remoteCandidate.host === '127.0.0.1' && pair.protocol.localCandidate?.host === '127.0.0.1',
});
