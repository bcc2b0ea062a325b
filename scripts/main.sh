#!/usr/bin/env bash
# The main job: set up .venv, get MovieLens-1M, train SASRec with the default recipe (softmax-ligr-wide-windows) for the
# first 15 of its 40 epochs (20-35 minutes on 2 CPU cores, a progress bar per epoch and the time left after each;
# EPOCHS=40 trains the whole recipe, about 2.7 times that), evaluate on the test split under both protocols, and print
# recommendations with titles for a sample user.
#   SASREC_ML1M=/path/to/ml-1m.zip (or extracted folder)  use local data instead of downloading from GroupLens
#   RECIPE=(sasrec train's default)  EPOCHS=(15 for the default recipe, else the recipe's)  OUT=runs/ml-1m  USER_ID=1   override the defaults (RECIPE=paper: ~1.5 h)
source "$(dirname "$0")/env.sh"
OUT=${OUT:-runs/ml-1m}
DATA_ARGS=()
[ -n "${SASREC_ML1M:-}" ] && DATA_ARGS=(--data "$SASREC_ML1M")
TRAIN_ARGS=()
[ -n "${RECIPE:-}" ] && TRAIN_ARGS+=(--recipe "$RECIPE")
if [ -z "${RECIPE:-}" ]; then EPOCHS=${EPOCHS:-15}; fi  # 15 of the default recipe's 40: the main job stays within 40 minutes
[ -n "${EPOCHS:-}" ] && TRAIN_ARGS+=(--epochs "$EPOCHS")
sasrec stats "${DATA_ARGS[@]}" --preset paper
sasrec train "${DATA_ARGS[@]}" --preset paper --out "$OUT" "${TRAIN_ARGS[@]}"
sasrec evaluate --model "$OUT" --protocol full --split test
sasrec evaluate --model "$OUT" --protocol sampled --split test
sasrec recommend --model "$OUT" --user "${USER_ID:-1}" -k 10
