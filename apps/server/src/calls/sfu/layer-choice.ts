import type { LayerPreference, SimulcastLayer } from './sfu.js';

/**
 * The simulcast layer a subscriber receives: the smallest layer that fills its view (or the
 * largest there is), then lower ones while it exceeds the subscriber's bandwidth; never less
 * than the smallest layer. `layers` in any order; returns null only for no layers.
 */
export function chooseLayer(
  layers: readonly SimulcastLayer[],
  preference: LayerPreference,
): SimulcastLayer | null {
  const ascending = [...layers].sort((a, b) => a.width * a.height - b.width * b.height);
  if (ascending.length === 0) return null;
  let index = ascending.findIndex(
    (layer) => layer.width >= preference.maxWidth || layer.height >= preference.maxHeight,
  );
  if (index === -1) index = ascending.length - 1;
  const bandwidth = preference.bandwidthBps;
  while (index > 0 && bandwidth !== null && (ascending[index]?.maxBitrateBps ?? 0) > bandwidth) {
    index -= 1;
  }
  return ascending[index] ?? null;
}
