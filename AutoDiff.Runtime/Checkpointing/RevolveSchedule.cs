using System;

namespace AutoDiff.Checkpointing
{
    /// <summary>What a driver of a <see cref="RevolveSchedule"/> does next.</summary>
    public enum CheckpointAction
    {
        /// <summary>Run steps <see cref="RevolveSchedule.From"/> … <see cref="RevolveSchedule.To"/> − 1 forward, recording nothing.</summary>
        Advance,

        /// <summary>Copy the current state (at step <see cref="RevolveSchedule.From"/>) into snapshot <see cref="RevolveSchedule.Slot"/>.</summary>
        Store,

        /// <summary>Make the state the one kept in snapshot <see cref="RevolveSchedule.Slot"/> (at step <see cref="RevolveSchedule.From"/>).</summary>
        Restore,

        /// <summary>Run step <see cref="RevolveSchedule.From"/> recording it, then reverse it (its adjoint).</summary>
        ReverseStep,

        /// <summary>Every step has been reversed.</summary>
        Done,
    }

    /// <summary>
    /// Binomial checkpointing (Griewank and Walther, "Algorithm 799: Revolve", ACM TOMS 26(1), 2000): the order in which to
    /// reverse <c>n</c> steps of a loop keeping at most <c>s</c> snapshots of its state (the start state included), with the
    /// fewest forward steps run again for that memory: <c>r·n − C(s + r, r − 1)</c> where <c>r</c> is the least with
    /// <c>C(s + r, r) ≥ n</c>, so the recomputation grows like log n. A driver calls <see cref="Next"/> until
    /// <see cref="CheckpointAction.Done"/> and does what each action says; the schedule only counts steps and
    /// keeps the step each snapshot holds (no allocation beyond its array of <c>s</c> positions).
    /// </summary>
    /// <remarks>
    /// The schedule reverses the steps [0, fine) from the last. The part still to reverse starts from the latest snapshot
    /// at or before it: with free slots left, it advances to a split point, stores a snapshot there and goes on with the
    /// part after it (one slot fewer), then comes back for the part before it; with none, it advances to the step before
    /// <c>fine</c>. The split is Revolve's: where the binomial recursion puts it.
    /// </remarks>
    public struct RevolveSchedule
    {
        private readonly int[] _positions;
        private readonly int _snapshots;
        private int _top;
        private int _current;
        private int _fine;
        private bool _storeNext;

        /// <summary>A schedule for <paramref name="steps"/> steps and <paramref name="snapshots"/> snapshots (at least 1), into <paramref name="positions"/> (at least that long).</summary>
        public RevolveSchedule(int steps, int snapshots, int[] positions)
        {
            if (snapshots < 1) throw new ArgumentOutOfRangeException(nameof(snapshots), "At least one snapshot (the start state) is needed.");
            if (positions.Length < snapshots) throw new ArgumentException("Room for every snapshot's position is needed.", nameof(positions));
            _positions = positions;
            _snapshots = snapshots;
            _top = -1;
            _current = 0;
            _fine = Math.Max(0, steps);
            _storeNext = _fine > 0;
            From = To = Slot = 0;
        }

        /// <summary>The first step of an Advance, the step of a Store, Restore or ReverseStep.</summary>
        public int From { get; private set; }

        /// <summary>The step an Advance stops at (not run).</summary>
        public int To { get; private set; }

        /// <summary>The snapshot a Store or Restore uses, 0 … s − 1.</summary>
        public int Slot { get; private set; }

        /// <summary>The snapshots held now.</summary>
        public int Held => _top + 1;

        public CheckpointAction Next()
        {
            if (_fine == 0) return CheckpointAction.Done;
            if (_current < 0)
            {
                // After a reversed step: the latest snapshot before what is left.
                while (_positions[_top] >= _fine) _top--;
                _current = _positions[_top];
                From = _current;
                Slot = _top;
                return CheckpointAction.Restore;
            }
            if (_storeNext)
            {
                _storeNext = false;
                _positions[++_top] = _current;
                From = _current;
                Slot = _top;
                return CheckpointAction.Store;
            }
            if (_current == _fine - 1)
            {
                From = _current;
                _current = -1;
                _fine--;
                return CheckpointAction.ReverseStep;
            }
            int free = _snapshots - Held;
            int target = free == 0 ? _fine - 1 : _current + Split(_fine - _current, free + 1);
            if (target >= _fine - 1) target = _fine - 1;
            else _storeNext = true;
            From = _current;
            To = target;
            _current = target;
            return CheckpointAction.Advance;
        }

        /// <summary>
        /// Where to put the next snapshot for <paramref name="steps"/> steps from a stored state with <paramref name="snaps"/>
        /// snapshots including it (Revolve's rule: <c>C(s + r, r)</c> the most steps r repetitions reverse).
        /// </summary>
        internal static int Split(int steps, int snaps)
        {
            if (snaps < 2 || steps < 2) return steps - 1;
            long reps = 0, range = 1;
            while (range < steps)
            {
                reps++;
                range = range * (reps + snaps) / reps;
            }
            long bino1 = range * reps / (snaps + reps);
            long bino2 = snaps > 1 ? bino1 * snaps / (snaps + reps - 1) : 1;
            long bino3 = snaps == 1 ? 0 : snaps > 2 ? bino2 * (snaps - 1) / (snaps + reps - 2) : 1;
            long bino4 = bino2 * (reps - 1) / snaps;
            long bino5 = snaps < 3 ? 0 : snaps > 3 ? bino3 * (snaps - 2) / reps : 1;
            long split;
            if (steps <= bino1 + bino3) split = bino4;
            else if (steps >= range - bino5) split = bino1;
            else split = steps - bino2 - bino3;
            return (int)Math.Max(1, Math.Min(steps - 1, split));
        }

        /// <summary>
        /// The forward steps an optimal schedule runs again to reverse <paramref name="steps"/> steps with
        /// <paramref name="snapshots"/> snapshots (the start state's included): <c>r·n − C(s + r, r − 1)</c>.
        /// </summary>
        public static long Recomputations(int steps, int snapshots)
        {
            if (steps <= 1) return 0;
            long reps = 0, range = 1;
            while (range < steps)
            {
                reps++;
                range = range * (reps + snapshots) / reps;
            }
            // C(s + r, r − 1) = C(s + r, r) · r / (s + 1).
            return reps * steps - range * reps / (snapshots + 1);
        }
    }
}
