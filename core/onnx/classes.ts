/** The model contract's class order: column i of a model's [N, 3] probabilities is CLASSES[i]. */
export const CLASSES = ["SELL", "HOLD", "BUY"] as const;
export type Direction = (typeof CLASSES)[number];
export const CLASS_INDEX: Record<Direction, number> = { SELL: 0, HOLD: 1, BUY: 2 };

/** Names of the ONNX graph's input and probability output in the model contract. */
export const MODEL_INPUT_NAME = "features";
export const MODEL_PROBABILITIES_NAME = "probabilities";
