import {
  RTCRtpCodecParameters,
  useAudioLevelIndication,
  useNACK,
  usePLI,
  useSdesMid,
  useSdesRTPStreamId,
  type PeerConfig,
} from 'werift';
import { AddressPolicy } from '../address-policy.js';
import type { WorkerConfig } from '../ipc.js';

/**
 * The SFU side of every peer connection: VP8 with NACK and PLI, Opus, the mid, rid and
 * audio-level header extensions, the configured STUN/TURN servers and port range, and the
 * address policy on every candidate pair and every STUN request.
 */
export function sfuPeerConfig(config: WorkerConfig): Partial<PeerConfig> {
  const policy = new AddressPolicy(config);
  return {
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90_000,
          rtcpFeedback: [useNACK(), usePLI()],
        }),
      ],
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48_000,
          channels: 2,
        }),
      ],
    },
    headerExtensions: {
      video: [useSdesMid(), useSdesRTPStreamId()],
      audio: [useSdesMid(), useAudioLevelIndication()],
    },
    iceServers: config.iceServers.map(({ urls, username, credential }) => ({
      urls,
      ...(username === undefined ? {} : { username }),
      ...(credential === undefined ? {} : { credential }),
    })),
    icePortRange:
      config.portRange === null ? undefined : [config.portRange[0], config.portRange[1]],
    iceUseIpv6: !config.isLoopbackOnly,
    ...(config.isLoopbackOnly ? { iceAdditionalHostAddresses: ['127.0.0.1'] } : {}),
    iceFilterCandidatePair: (pair) =>
      policy.isAllowed(pair.remoteCandidate.host) &&
      (!config.isLoopbackOnly || pair.protocol.localCandidate?.host === '127.0.0.1'),
    iceFilterStunResponse: (_message, address) => policy.isAllowed(address[0]),
  };
}
