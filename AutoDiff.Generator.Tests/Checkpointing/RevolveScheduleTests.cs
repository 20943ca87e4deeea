using System;
using System.Collections.Generic;
using AutoDiff.Checkpointing;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Checkpointing;

/// <summary>
/// <see cref="RevolveSchedule"/> (AutoDiff.Runtime/Checkpointing): a driver that simulates the state as the step it is at
/// checks every action is possible, every step is reversed once, last first, at most s snapshots are held, and the
/// forward steps run again equal the binomial optimum, computed here by dynamic programming over every split.
/// </summary>
public sealed class RevolveScheduleTests
{
    /// <summary>The fewest forward steps to reverse n steps from a stored start with <c>free</c> more snapshots: min over splits.</summary>
    private static long[,] Optimum(int maxSteps, int maxFree)
    {
        var t = new long[maxSteps + 1, maxFree + 1];
        for (int f = 0; f <= maxFree; f++)
        {
            for (int n = 2; n <= maxSteps; n++)
            {
                long best = (long)n * (n - 1) / 2; // no snapshot used: advance to each step from the start
                if (f > 0)
                {
                    for (int m = 1; m < n; m++) best = Math.Min(best, m + t[n - m, f - 1] + t[m, f]);
                }
                t[n, f] = best;
            }
        }
        return t;
    }

    /// <summary>Runs the schedule, checking it, and returns the forward steps it ran again.</summary>
    private static long Drive(int n, int s)
    {
        var schedule = new RevolveSchedule(n, s, new int[Revolve.StateLength(s)]);
        var slots = new int?[s];
        int state = 0; // the step the current state is at; -1 when consumed by a reversed step
        int nextReversed = n - 1;
        long advanced = 0;
        for (int guard = 0; guard < 100_000_000; guard++)
        {
            var action = schedule.Next();
            Assert.That(schedule.Held, Is.LessThanOrEqualTo(s), "snapshots held");
            switch (action)
            {
                case CheckpointAction.Advance:
                    Assert.That(state, Is.EqualTo(schedule.From), "advance from the current state");
                    Assert.That(schedule.To, Is.GreaterThan(schedule.From));
                    advanced += schedule.To - schedule.From;
                    state = schedule.To;
                    break;
                case CheckpointAction.Store:
                    Assert.That(state, Is.EqualTo(schedule.From), "store the current state");
                    slots[schedule.Slot] = state;
                    break;
                case CheckpointAction.Restore:
                    Assert.That(slots[schedule.Slot], Is.EqualTo(schedule.From), "restore what the slot holds");
                    state = schedule.From;
                    break;
                case CheckpointAction.ReverseStep:
                    Assert.That(state, Is.EqualTo(schedule.From), "reverse the step the state is at");
                    Assert.That(schedule.From, Is.EqualTo(nextReversed), "steps reversed last first");
                    nextReversed--;
                    state = -1;
                    break;
                case CheckpointAction.Done:
                    Assert.That(nextReversed, Is.EqualTo(-1), "every step reversed");
                    return advanced;
            }
        }
        throw new AssertionException("the schedule did not end");
    }

    [Test]
    public void Recomputation_equals_the_binomial_optimum_for_small_n_and_s()
    {
        const int maxSteps = 70, maxSnapshots = 7;
        var optimum = Optimum(maxSteps, maxSnapshots - 1);
        for (int s = 1; s <= maxSnapshots; s++)
        {
            for (int n = 0; n <= maxSteps; n++)
            {
                long expected = n < 2 ? 0 : optimum[n, s - 1];
                Assert.That(RevolveSchedule.Recomputations(n, s), Is.EqualTo(expected), $"closed form, n = {n}, s = {s}");
                Assert.That(Drive(n, s), Is.EqualTo(expected), $"schedule, n = {n}, s = {s}");
            }
        }
    }

    [TestCase(1_000_000, 100)]
    [TestCase(100_000, 10)]
    [TestCase(10_000, 2)]
    public void Large_schedules_stay_optimal(int n, int s)
    {
        long advanced = Drive(n, s);
        Assert.That(advanced, Is.EqualTo(RevolveSchedule.Recomputations(n, s)));
        // 1,000,000 steps and 100 snapshots: r = 4, 3.82 extra runs of the loop (every-k runs it once more, keeping 100 + 10,000).
        if (n == 1_000_000) Assert.That(advanced, Is.EqualTo(3_817_896));
    }

    [Test]
    public void The_schedule_allocates_nothing()
    {
        var positions = new int[Revolve.StateLength(100)];
        Drive(1000, 5);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var schedule = new RevolveSchedule(100_000, 100, positions);
        while (schedule.Next() != CheckpointAction.Done) { }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    /// <summary>
    /// <c>Revolve.Move</c>, what generated code drives: restore (maybe), advance, then store or reverse, as one call. Driven
    /// like <see cref="Drive"/>, it reverses every step last first from what the slots hold, with the optimal recomputation.
    /// </summary>
    [TestCase(0, 3)]
    [TestCase(1, 3)]
    [TestCase(70, 1)]
    [TestCase(70, 4)]
    [TestCase(1_000_000, 100)]
    public void Moves_are_the_actions_merged(int n, int s)
    {
        var schedule = new int[Revolve.StateLength(s)];
        Revolve.Start(schedule, n, s);
        // Next's actions, merged, must be the moves: the same restore slot, advance, store slot or reversed step.
        var actions = new RevolveSchedule(n, s, new int[Revolve.StateLength(s)]);
        int Expected(out int restoreSlot, out int count, out int at)
        {
            restoreSlot = -1;
            count = 0;
            var action = actions.Next();
            if (action == CheckpointAction.Restore) { restoreSlot = actions.Slot; action = actions.Next(); }
            if (action == CheckpointAction.Advance) { count = actions.To - actions.From; action = actions.Next(); }
            at = action == CheckpointAction.Store ? actions.Slot : actions.From;
            return action == CheckpointAction.Done ? 0 : (restoreSlot >= 0 ? Revolve.MoveRestore : 0) | (action == CheckpointAction.Store ? Revolve.MoveStore : Revolve.MoveReverse);
        }
        var slots = new int?[s];
        int state = 0, nextReversed = n - 1, moves = 0;
        long advanced = 0;
        int move;
        while (true)
        {
            move = Revolve.Move(schedule);
            Assert.That(move, Is.EqualTo(Expected(out int restoreSlot, out int count, out int at)), $"move {moves}: Next's actions merged");
            if (move == 0) break;
            if ((move & Revolve.MoveRestore) != 0) Assert.That(Revolve.RestoreSlot(schedule), Is.EqualTo(restoreSlot));
            Assert.That(Revolve.Count(schedule), Is.EqualTo(count));
            Assert.That((move & Revolve.MoveStore) != 0 ? Revolve.Slot(schedule) : Revolve.From(schedule), Is.EqualTo(at));
            moves++;
            if ((move & Revolve.MoveRestore) != 0)
            {
                Assert.That(slots[Revolve.RestoreSlot(schedule)], Is.Not.Null, "restore a stored slot");
                state = slots[Revolve.RestoreSlot(schedule)]!.Value;
            }
            Assert.That(state, Is.GreaterThanOrEqualTo(0), "a state to advance from");
            advanced += Revolve.Count(schedule);
            state += Revolve.Count(schedule);
            if ((move & Revolve.MoveStore) != 0) slots[Revolve.Slot(schedule)] = state;
            else
            {
                Assert.That(move & Revolve.MoveReverse, Is.Not.Zero, "a move ends by storing or reversing");
                Assert.That(state, Is.EqualTo(nextReversed), "steps reversed last first, from the state reached");
                Assert.That(Revolve.From(schedule), Is.EqualTo(nextReversed));
                nextReversed--;
                state = -1;
            }
        }
        Assert.That(nextReversed, Is.EqualTo(-1), "every step reversed");
        Assert.That(advanced, Is.EqualTo(RevolveSchedule.Recomputations(n, s)));
        if (n == 1_000_000) Assert.That(moves, Is.EqualTo(1_823_149), "a move per reversed step or stored snapshot (3,823,147 actions)");
    }
}
