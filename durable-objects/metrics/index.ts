export { MetricsObject, MAX_SERIES } from "./metrics-object";
export { renderExposition } from "./exposition";
