using System.Collections.Generic;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// What each instruction of a loop's body is across iterations, for the passes that run iterations in vector lanes
    /// (<see cref="VectorSums"/>, <see cref="VectorMaps"/>): an integer one more in each later iteration (<see cref="Kind.Affine"/>:
    /// the counters, and those plus a value the same in every iteration), a floating value computed per iteration
    /// (<see cref="Kind.Vector"/>: an element read at an affine index, arithmetic on such values), or a value the same in
    /// every iteration (absent).
    /// </summary>
    internal static class LaneShapes
    {
        public enum Kind
        {
            Affine,
            Vector,
        }

        /// <summary>
        /// Classifies <paramref name="body"/>'s instructions (those <paramref name="skip"/> does not take) into
        /// <paramref name="kinds"/>, which holds the counters already, and collects the element accesses; false when one
        /// cannot run in lanes. What can: integer additions and subtractions moving by one per iteration; floating
        /// +, −, ×, ÷ and negation of the lane type; element accesses of one index, at an affine index only on a span of
        /// rank 1 of the lane type (<paramref name="laneType"/>, found from the first such access when null), marked
        /// <see cref="InRange"/> unless <paramref name="checkedLanes"/> (then a read at an index the same in every iteration
        /// must be the one marked: it runs fewer times in lanes), and writing no affine value; anything else pure, not
        /// throwing, on values the same in every iteration.
        /// </summary>
        public static bool Classify(FunctionInfo info, IEnumerable<Instr> body, System.Func<Instr, bool> skip, Dictionary<int, Kind> kinds,
            List<Instr> accesses, ref TypeRef? laneType, bool checkedLanes)
        {
            foreach (var instr in body)
            {
                if (skip(instr)) continue;
                Kind? Of(int value) => kinds.TryGetValue(value, out var kind) ? kind : (Kind?)null;
                bool Moves(int value) => kinds.ContainsKey(value);
                switch (instr.Op)
                {
                    case Op.Const:
                        continue;
                    case Op.Add when instr.Type.Kind == ValueKind.Integer:
                    case Op.Sub when instr.Type.Kind == ValueKind.Integer:
                    {
                        // t + c, c + t, t − c: one more per iteration; c − t or t + t is not.
                        var (a, b) = (Of(instr.Args[0]), Of(instr.Args[1]));
                        if (a == null && b == null) continue;
                        if (!((a == Kind.Affine && b == null) || (instr.Op == Op.Add && a == null && b == Kind.Affine))) return false;
                        kinds[instr.Id] = Kind.Affine;
                        continue;
                    }
                    case Op.Element:
                    case Op.Read:
                    case Op.Write:
                    case Op.AddTo:
                    {
                        accesses.Add(instr);
                        var sequence = info.TypeOf(instr.Args[0]);
                        bool writes = OpInfo.WritesElements(instr.Op);
                        if (OpInfo.IndexCount(instr) != 1 || Moves(instr.Args[0])) return false;
                        if (!Moves(instr.Args[1]))
                        {
                            // The same element every iteration: a read is a value like any other; a write is not a lane.
                            if (writes || (checkedLanes && instr.Payload is not InRange)) return false;
                            continue;
                        }
                        if (Of(instr.Args[1]) != Kind.Affine || !sequence.IsSpan || sequence.Rank != 1) return false;
                        if (!checkedLanes && instr.Payload is not InRange) return false;
                        laneType ??= sequence.ElementType;
                        if (sequence.ElementType != laneType || !(laneType == TypeRef.Double || laneType == TypeRef.Float)) return false;
                        if (writes)
                        {
                            if (Of(OpInfo.StoredValue(instr)) == Kind.Affine) return false;
                        }
                        else kinds[instr.Id] = Kind.Vector;
                        continue;
                    }
                    case Op.Add:
                    case Op.Sub:
                    case Op.Mul:
                    case Op.Div:
                    case Op.Neg:
                    {
                        if (instr.Op == Op.Div && instr.Type.Kind == ValueKind.Integer) return false;
                        bool moving = false;
                        foreach (int a in instr.Args)
                        {
                            if (Of(a) == Kind.Affine) return false;
                            moving |= Moves(a);
                        }
                        if (!moving) continue;
                        if (instr.Type != laneType) return false;
                        kinds[instr.Id] = Kind.Vector;
                        continue;
                    }
                    default:
                        // Anything else only on values the same in every iteration, pure and not throwing.
                        if (!OpInfo.IsPure(instr) || OpInfo.MayThrow(instr)) return false;
                        if ((instr.Op == Op.Div || instr.Op == Op.Rem) && instr.Type.Kind == ValueKind.Integer) return false;
                        foreach (int a in instr.Args) if (Moves(a)) return false;
                        continue;
                }
            }
            return true;
        }
    }
}
