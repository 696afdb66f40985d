import type { TrainingEventData, TrainingEventType } from "../../core/protocol/training";
import type { Engine } from "../engine";

/**
 * The one place TRAINING_* events leave the training module: the engine's event log (per-user seq,
 * replay on reconnect) and its broadcast to the user's browser sockets. Each event is also recorded
 * with its job, so GET .../train/{job_id} lists them without a socket.
 */
export function publishTrainingEvent(
  engine: Engine,
  type: TrainingEventType,
  data: TrainingEventData<TrainingEventType>,
): void {
  // The engine's emit is typed per event; data was built for `type` by the job (TrainingJobs.commit/fail).
  engine.core.write((tx) => engine.core.emit(tx, type, data as never));
}
