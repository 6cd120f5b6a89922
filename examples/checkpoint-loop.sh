#!/bin/sh
#PBS -N ckptloop
#PBS -c c
# A long loop that survives losing its node: Drover's checkpoint contract for applications.
#
# - With `-c c` (or c=MIN: also every MIN minutes) the job gets PBS_CHECKPOINT_DIR, a directory
#   of its own on its node. Whatever is in it when a checkpoint is taken is the checkpoint.
# - The job checkpoints when it likes: it writes its state there, then runs `drover checkpoint`,
#   which returns once the head holds the checkpoint safely (exit 0) or says why not (exit 1).
# - It is also told to checkpoint with its checkpoint signal (SIGUSR1 unless
#   `-W checkpoint_signal=SIG…`): periodically with c=MIN, before its walltime, and when a
#   running job is held with qhold. It has a few seconds (`drover agent --checkpoint-wait`) to
#   write its state; the directory is then shipped as it is, or at once if it runs
#   `drover checkpoint`. After a qhold it is stopped once the checkpoint is safe; qrls restarts it.
#   The signal goes to the script (or `qsub --` program) only when it catches it (here: trap),
#   since it would end it otherwise; a job that does not is checkpointed as its directory is.
# - When the job restarts (on another node after its node was lost, or after qhold/qrls),
#   Drover restores the newest checkpoint into PBS_CHECKPOINT_DIR before the script starts and
#   sets PBS_RESTART=1 and PBS_CHECKPOINT_COUNT=N. Write state files atomically (write, then
#   rename), so that a checkpoint never holds half a file.
#
# Try it: qsub -v STEPS=30 examples/checkpoint-loop.sh
steps=${STEPS:-20}
drover=${DROVER:-drover}
state="$PBS_CHECKPOINT_DIR/next"
i=1
sum=0
if [ "$PBS_RESTART" = 1 ] && [ -f "$state" ]; then
  read -r i sum < "$state"
  echo "resumed at step $i (sum $sum) from checkpoint $PBS_CHECKPOINT_COUNT"
fi
save() {
  echo "$i $sum" > "$state.tmp" && mv "$state.tmp" "$state"
}
trap 'save; "$drover" checkpoint' USR1
while [ "$i" -le "$steps" ]; do
  sum=$((sum + i))
  echo "step $i"
  i=$((i + 1))
  save
  # every third step, by choice (and between steps the signal may ask for one too)
  if [ $((i % 3)) -eq 1 ]; then "$drover" checkpoint || echo "checkpoint failed, going on"; fi
  sleep "${STEP_SECONDS:-1}"
done
echo "sum of 1..$steps = $sum"
