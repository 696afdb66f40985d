export { armTrainingAlarm, SLICE_GAP_MS } from "./alarm";
export { buildTrainingSet, MIN_ROWS, TrainingInputError } from "./dataset";
export {
  ORT_TOLERANCE,
  SLICE_BUDGET_UNITS,
  type StartInput,
  type StartResult,
  type TrainingHost,
  TrainingJobs,
} from "./job";
export { JobStore } from "./job-store";
export { publishTrainingEvent } from "./publish";
