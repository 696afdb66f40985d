export { renderExposition } from "./exposition";
export { MAX_SERIES, MetricsObject } from "./metrics-object";
