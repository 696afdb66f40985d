export {
  type InstalledModel,
  installShippedModels,
  SHIPPED_ENSEMBLE,
  SHIPPED_MODELS,
  SHIPPED_SYMBOL,
  shippedBotConfig,
} from "../../platform/ml/shipped-models";
export { ModelHealth, type ModelHealthRow } from "./model-health";
export { PredictionCache } from "./prediction-cache";
export { recordPrediction } from "./record";
export { DEFAULT_SIZING_BALANCE, enginePredictor, type PredictionDeps, PredictionService } from "./service";
