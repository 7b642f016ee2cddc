export { ApiError, HttpApi, type HttpApiOptions } from './http-api.js';
export {
  ConnectionRejectedError,
  connectSession,
  type SessionConnection,
} from './session-connection.js';
