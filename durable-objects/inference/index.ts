export { LruCache } from "./lru-cache";
export {
  DEFAULT_MAX_SESSIONS,
  loadModel,
  ModelInference,
  type PredictProbabilitiesResult,
  type VerifyModelResult,
} from "./model-inference";
export { ortReady, ortStatus } from "./ort-runtime";
export { InferenceError, type InferenceErrorCode, type LoadedModel, runProbabilities } from "./run";
