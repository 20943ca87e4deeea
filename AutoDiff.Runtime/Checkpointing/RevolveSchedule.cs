using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AutoDiff.Checkpointing
{
    /// <summary>What a driver of a <see cref="RevolveSchedule"/> does next.</summary>
    public enum CheckpointAction
    {
        /// <summary>Run steps <see cref="RevolveSchedule.From"/> … <see cref="RevolveSchedule.To"/> − 1 forward, recording nothing.</summary>
        Advance = 0,

        /// <summary>Copy the current state (at step <see cref="RevolveSchedule.From"/>) into snapshot <see cref="RevolveSchedule.Slot"/>.</summary>
        Store = 1,

        /// <summary>Make the state the one kept in snapshot <see cref="RevolveSchedule.Slot"/> (at step <see cref="RevolveSchedule.From"/>).</summary>
        Restore = 2,

        /// <summary>Run step <see cref="RevolveSchedule.From"/> recording it, then reverse it (its adjoint).</summary>
        ReverseStep = 3,

        /// <summary>Every step has been reversed.</summary>
        Done = 4,
    }

    /// <summary>
    /// Binomial checkpointing (Griewank and Walther, "Algorithm 799: Revolve", ACM TOMS 26(1), 2000): the order in which to
    /// reverse <c>n</c> steps of a loop keeping at most <c>s</c> snapshots of its state (the start state's included), with
    /// the fewest forward steps run again for that memory: <c>r·n − C(s + r, r − 1)</c> where <c>r</c> is the least with
    /// <c>C(s + r, r) ≥ n</c>, so the recomputation grows like log n. A driver calls <see cref="Next"/> until
    /// <see cref="CheckpointAction.Done"/> and does what each action says. The schedule's whole state is a span of
    /// <see cref="StateLength"/>(s) ints (generated code keeps it in pooled scratch memory), so it allocates nothing.
    /// </summary>
    /// <remarks>
    /// The schedule reverses the steps [0, fine) from the last. What is left starts from the latest snapshot at or before
    /// it: with free slots, it advances to a split point, stores a snapshot there and goes on with the part after it (one
    /// slot fewer), then comes back for the part before it; with none, it advances to the step before <c>fine</c> and
    /// reverses that one. The split is Revolve's: where the binomial recursion puts it.
    /// </remarks>
    public static class Revolve
    {
        private const int Fine = 0, Current = 1, Top = 2, StoreNext = 3, FromIndex = 4, ToIndex = 5, SlotIndex = 6, Snapshots = 7, CountIndex = 8, RestoreIndex = 9, Positions = 10;

        /// <summary>The ints a schedule for <paramref name="snapshots"/> snapshots keeps its state in.</summary>
        public static int StateLength(int snapshots) => Positions + Math.Max(1, snapshots);

        /// <summary>Starts a schedule for <paramref name="steps"/> steps (none when ≤ 0) and <paramref name="snapshots"/> (at least 1) in <paramref name="state"/>.</summary>
        public static void Start(Span<int> state, int steps, int snapshots)
        {
            if (snapshots < 1) throw new ArgumentOutOfRangeException(nameof(snapshots), "At least one snapshot (the start state) is needed.");
            if (state.Length < StateLength(snapshots)) throw new ArgumentException("The state needs StateLength(snapshots) ints.", nameof(state));
            state[Fine] = Math.Max(0, steps);
            state[Current] = 0;
            state[Top] = -1;
            state[StoreNext] = steps > 0 ? 1 : 0;
            state[FromIndex] = state[ToIndex] = state[SlotIndex] = 0;
            state[Snapshots] = snapshots;
        }

        /// <summary>The next action (a <see cref="CheckpointAction"/>); its step, end step and slot are then <see cref="From"/>, <see cref="To"/>, <see cref="Slot"/>.</summary>
        /// <remarks>
        /// It runs once per action (several million times for a million steps), so it reads and writes the state through a
        /// reference checked once against its length, with no bounds check per access.
        /// </remarks>
        public static int Next(Span<int> state)
        {
            if (state.Length < Positions + 1 || state.Length < Positions + state[Snapshots]) throw new ArgumentException("The state needs StateLength(snapshots) ints.", nameof(state));
            ref int at = ref MemoryMarshal.GetReference(state);
            int fine = Unsafe.Add(ref at, Fine), current = Unsafe.Add(ref at, Current);
            if (fine == 0) return (int)CheckpointAction.Done;
            if (current < 0)
            {
                // After a reversed step: the latest snapshot before what is left.
                int top = Unsafe.Add(ref at, Top);
                while (Unsafe.Add(ref at, Positions + top) >= fine) top--;
                Unsafe.Add(ref at, Top) = top;
                Unsafe.Add(ref at, Current) = Unsafe.Add(ref at, FromIndex) = Unsafe.Add(ref at, Positions + top);
                Unsafe.Add(ref at, SlotIndex) = top;
                return (int)CheckpointAction.Restore;
            }
            if (Unsafe.Add(ref at, StoreNext) != 0)
            {
                Unsafe.Add(ref at, StoreNext) = 0;
                int top = ++Unsafe.Add(ref at, Top);
                Unsafe.Add(ref at, Positions + top) = current;
                Unsafe.Add(ref at, FromIndex) = current;
                Unsafe.Add(ref at, SlotIndex) = top;
                return (int)CheckpointAction.Store;
            }
            if (current == fine - 1)
            {
                Unsafe.Add(ref at, FromIndex) = current;
                Unsafe.Add(ref at, Current) = -1;
                Unsafe.Add(ref at, Fine) = fine - 1;
                return (int)CheckpointAction.ReverseStep;
            }
            int free = Unsafe.Add(ref at, Snapshots) - (Unsafe.Add(ref at, Top) + 1);
            int target = free == 0 ? fine - 1 : current + Split(fine - current, free + 1);
            if (target >= fine - 1) target = fine - 1;
            else Unsafe.Add(ref at, StoreNext) = 1;
            Unsafe.Add(ref at, FromIndex) = current;
            Unsafe.Add(ref at, ToIndex) = target;
            Unsafe.Add(ref at, Current) = target;
            return (int)CheckpointAction.Advance;
        }

        /// <summary>A <see cref="Move"/> that takes the state back from snapshot <see cref="RestoreSlot"/> first.</summary>
        public const int MoveRestore = 1;

        /// <summary>A <see cref="Move"/> that ends by storing the state in snapshot <see cref="Slot"/>.</summary>
        public const int MoveStore = 2;

        /// <summary>A <see cref="Move"/> that ends by running step <see cref="From"/> recording it and reversing it.</summary>
        public const int MoveReverse = 4;

        /// <summary>
        /// The next actions up to a Store or a ReverseStep, as one move (what generated code drives, one branch fewer per
        /// action): take the state back from <see cref="RestoreSlot"/> if <see cref="MoveRestore"/> is set, run
        /// <see cref="Count"/> steps forward (none, often), then store it in <see cref="Slot"/> (<see cref="MoveStore"/>) or
        /// reverse step <see cref="From"/> (<see cref="MoveReverse"/>); 0 when every step has been reversed. The same
        /// schedule as <see cref="Next"/>'s actions, merged (RevolveScheduleTests compares them action by action).
        /// </summary>
        public static int Move(Span<int> state)
        {
            // Next's decisions, taken in one call: a driver's fewer branches, and the schedule's own work about halved.
            if (state.Length < Positions + 1 || state.Length < Positions + state[Snapshots]) throw new ArgumentException("The state needs StateLength(snapshots) ints.", nameof(state));
            ref int at = ref MemoryMarshal.GetReference(state);
            int fine = Unsafe.Add(ref at, Fine);
            if (fine == 0) return 0;
            int current = Unsafe.Add(ref at, Current), top = Unsafe.Add(ref at, Top), move = 0;
            if (current < 0)
            {
                // After a reversed step: the latest snapshot before what is left.
                while (Unsafe.Add(ref at, Positions + top) >= fine) top--;
                current = Unsafe.Add(ref at, Positions + top);
                Unsafe.Add(ref at, RestoreIndex) = top;
                move = MoveRestore;
            }
            int target = current;
            bool start = Unsafe.Add(ref at, StoreNext) != 0;
            if (start) Unsafe.Add(ref at, StoreNext) = 0; // the first move stores the start state where it is
            else if (current < fine - 1)
            {
                int free = Unsafe.Add(ref at, Snapshots) - (top + 1);
                target = free == 0 ? fine - 1 : Math.Min(fine - 1, current + Split(fine - current, free + 1));
            }
            Unsafe.Add(ref at, CountIndex) = target - current;
            Unsafe.Add(ref at, FromIndex) = target;
            if (start || target < fine - 1)
            {
                top++;
                Unsafe.Add(ref at, Positions + top) = target;
                Unsafe.Add(ref at, SlotIndex) = top;
                Unsafe.Add(ref at, Top) = top;
                Unsafe.Add(ref at, Current) = target;
                return move | MoveStore;
            }
            Unsafe.Add(ref at, Top) = top;
            Unsafe.Add(ref at, Current) = -1;
            Unsafe.Add(ref at, Fine) = fine - 1;
            return move | MoveReverse;
        }

        /// <summary>The steps a <see cref="Move"/> runs forward.</summary>
        public static int Count(ReadOnlySpan<int> state) => state[CountIndex];

        /// <summary>The snapshot a <see cref="Move"/> with <see cref="MoveRestore"/> takes the state back from.</summary>
        public static int RestoreSlot(ReadOnlySpan<int> state) => state[RestoreIndex];

        /// <summary>The step of the last action (an Advance's first).</summary>
        public static int From(ReadOnlySpan<int> state) => state[FromIndex];

        /// <summary>The step an Advance stops at (not run).</summary>
        public static int To(ReadOnlySpan<int> state) => state[ToIndex];

        /// <summary>The snapshot a Store or Restore uses, 0 … s − 1.</summary>
        public static int Slot(ReadOnlySpan<int> state) => state[SlotIndex];

        /// <summary>The snapshots held now.</summary>
        public static int Held(ReadOnlySpan<int> state) => state[Top] + 1;

        /// <summary>
        /// Where to put the next snapshot for <paramref name="steps"/> steps from a stored state with <paramref name="snaps"/>
        /// snapshots including it (Revolve's rule, from the binomial coefficients <c>C(s + r, r)</c>).
        /// </summary>
        internal static int Split(int steps, int snaps)
        {
            if (snaps < 2 || steps < 2) return steps - 1;
            // r = 1 (C(snaps + 1, 1) ≥ steps): the formula below gives 1; most calls are these, so no divisions for them.
            if (steps <= snaps + 1) return 1;
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

    /// <summary>A <see cref="Revolve"/> schedule with its state in an array, for code that drives one by hand.</summary>
    public struct RevolveSchedule
    {
        private readonly int[] _state;

        /// <summary>A schedule for <paramref name="steps"/> steps and <paramref name="snapshots"/> snapshots (at least 1), its state in <paramref name="state"/> (at least <see cref="Revolve.StateLength"/> ints).</summary>
        public RevolveSchedule(int steps, int snapshots, int[] state)
        {
            _state = state;
            Revolve.Start(state, steps, snapshots);
        }

        public int From => Revolve.From(_state);

        public int To => Revolve.To(_state);

        public int Slot => Revolve.Slot(_state);

        public int Held => Revolve.Held(_state);

        public CheckpointAction Next() => (CheckpointAction)Revolve.Next(_state);

        /// <inheritdoc cref="Revolve.Recomputations"/>
        public static long Recomputations(int steps, int snapshots) => Revolve.Recomputations(steps, snapshots);
    }
}
