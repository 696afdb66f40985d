export { CONNECTOR_TAG, CONNECTOR_TOKEN_ID_HEADER } from "./attachment";
export { COMMAND_TTL_MS, ConnectorHub, RESULT_GRACE_MS } from "./hub";
