#!/bin/bash
#PBS -N hello
#PBS -l walltime=00:01:00
#PBS -l select=1:ncpus=1:mem=64mb
# A first job: prints where and as whom it runs.
cd "$PBS_O_WORKDIR"
echo "Hello from job $PBS_JOBID ($PBS_JOBNAME) on $(hostname)"
echo "queue=$PBS_QUEUE ncpus=$NCPUS nodefile=$PBS_NODEFILE"
cat "$PBS_NODEFILE"
