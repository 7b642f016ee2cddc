import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly websocketConnections: Gauge;
  /** Connections whose hello authenticated a session. */
  readonly websocketSessions: Gauge;
  /**
   * From a send frame's arrival to its answer: the message stored and its event handed to the
   * connections of the devices routed to receive it.
   */
  readonly messageDelivery: Histogram<'outcome'>;
  readonly websocketServerCloses: Counter<'reason'>;
  /** Web push messages the push services accepted. */
  readonly pushesSent: Counter;
  /** Web push messages that did not go out or were refused, by reason. */
  readonly pushesFailed: Counter<'reason'>;
}

/** One registry per server instance (never the global default), so tests can run several. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  // Includes nodejs_eventloop_lag_seconds and the lag percentiles from monitorEventLoopDelay.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'amtsbote_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    websocketConnections: new Gauge({
      name: 'amtsbote_websocket_connections',
      help: 'Open WebSocket connections (authenticated or not yet)',
      registers: [registry],
    }),
    websocketSessions: new Gauge({
      name: 'amtsbote_websocket_sessions',
      help: 'Open WebSocket connections with an authenticated session',
      registers: [registry],
    }),
    messageDelivery: new Histogram({
      name: 'amtsbote_message_delivery_seconds',
      help: 'From a send frame to its answer: message stored and pushed to the connected recipients (outcome: sent or refused)',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    websocketServerCloses: new Counter({
      name: 'amtsbote_websocket_server_closes_total',
      help: 'WebSocket upgrades refused and connections closed by the server, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    pushesSent: new Counter({
      name: 'amtsbote_push_messages_sent_total',
      help: 'Web push wake-ups accepted by a push service',
      registers: [registry],
    }),
    pushesFailed: new Counter({
      name: 'amtsbote_push_messages_failed_total',
      help: 'Web push wake-ups not sent or refused, by reason (gone: the subscription was deleted)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
