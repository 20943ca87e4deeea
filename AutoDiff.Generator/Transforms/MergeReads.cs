using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// One value for repeated reads of one element: a <see cref="Op.Read"/> (or <see cref="Op.Element"/> of a writable
    /// span) of the same sequence at the same index values as an earlier read, in the same block or in a region nested in
    /// it, with nothing between that may write that sequence, becomes the earlier read's value. Value numbering does not
    /// merge them (the elements of a buffer change), so <c>q[i] * q[i]</c> would otherwise be two loads, and in reverse
    /// mode two contributions added into memory where the product x·x gives one (2·x·ā).
    /// <para>
    /// What may write the sequence: a write or addition into it; for a buffer the function allocates and never lets
    /// another value name (never carried, yielded, passed to an ordinary call or sliced), only an instruction that takes
    /// it as an operand; for any other sequence (a span parameter, which another span parameter may alias) any write to a
    /// sequence that is not such a buffer, and any call or member read with an effect. An if or a loop between writes what
    /// its regions write; a loop entered after the first read also writes what its later iterations write, so a read
    /// inside it is merged with one before it only when nothing in the whole loop may write the sequence. The values are
    /// the same, so the primal is bit for bit the same.
    /// </para>
    /// <para>
    /// Run on the primal before any companion is built (<c>Companions.BuildEach</c>), so every companion (the Hvp and the
    /// VjpTangent, built from the Gradient and the Vjp, the vector-valued ones, a rule's tangent) differentiates the same
    /// function; before <c>checkpoint</c> too, whose marked loop is an id of its output.
    /// </para>
    /// </summary>
    public static class MergeReads
    {
        public const string Name = "merge-reads";

        public static IrFunction Run(IrFunction function)
        {
            var info = FunctionInfo.Of(function);
            var same = new Dictionary<int, int>();
            new Finder(info, same).Block(function.Body, new List<Available>());
            if (same.Count == 0) return function;

            // Drop the merged reads and rename their uses, then copy (ids renumbered; what became equal is numbered once).
            int Rename(int value) => same.TryGetValue(value, out int first) ? first : value;
            var b = new IrBuilder();
            var map = new Dictionary<int, int>();
            foreach (var p in function.Params) map[p.Id] = b.Param(p.Name, p.Type);
            Replay.CopyBlock(b, Rewrite(function.Body, same, Rename), map, simplify: false);
            return b.Build(function.Name, function.Results.Select(r => new IrResult(r.Name, map[Rename(r.Value)])));
        }

        /// <summary>A read whose value later reads of the same element take.</summary>
        private sealed class Available
        {
            public Available(Instr read, int[] args)
            {
                Read = read;
                Args = args;
            }

            public Instr Read { get; }

            /// <summary>The sequence and indices, renamed as merged reads are (an index read twice is one value).</summary>
            public int[] Args { get; }

            public int Sequence => Args[0];
        }

        private sealed class Finder
        {
            private readonly FunctionInfo _info;
            private readonly Dictionary<int, int> _same;
            private readonly Dictionary<int, bool> _own = new Dictionary<int, bool>();

            public Finder(FunctionInfo info, Dictionary<int, int> same)
            {
                _info = info;
                _same = same;
            }

            /// <summary>Walks <paramref name="body"/> with the reads <paramref name="available"/> on entry (a copy is kept per block).</summary>
            public void Block(EquatableArray<Instr> body, List<Available> outer)
            {
                var available = new List<Available>(outer);
                foreach (var instr in body)
                {
                    if (instr.HasRegions)
                    {
                        // A loop: nothing its iterations write is the same inside it as before it.
                        if (instr.Op == Op.While) available.RemoveAll(a => IrWalk.Contains(instr, i => MayWrite(i, a.Sequence)));
                        foreach (var region in instr.Regions) Block(region.Body, available);
                        available.RemoveAll(a => IrWalk.Contains(instr, i => MayWrite(i, a.Sequence)));
                        continue;
                    }
                    if (IsMergeable(instr))
                    {
                        var args = instr.Args.Select(Rename).ToArray();
                        var earlier = available.FirstOrDefault(a => a.Read.Type.Equals(instr.Type) && a.Args.SequenceEqual(args));
                        if (earlier != null) _same[instr.Id] = earlier.Read.Id;
                        else available.Add(new Available(instr, args));
                        continue;
                    }
                    if (OpInfo.HasEffect(instr)) available.RemoveAll(a => MayWrite(instr, a.Sequence));
                }
            }

            private int Rename(int value) => _same.TryGetValue(value, out int first) ? first : value;

            /// <summary>An element read of a sequence whose elements may change (value numbering merges the others).</summary>
            private bool IsMergeable(Instr instr) =>
                instr.Op == Op.Read || (instr.Op == Op.Element && IrBuilder.IsMutableSequence(_info.TypeOf(instr.Args[0]), _info.Definition(instr.Args[0])));

            /// <summary>Whether <paramref name="instr"/> (no if or loop) may change an element of <paramref name="sequence"/>.</summary>
            private bool MayWrite(Instr instr, int sequence)
            {
                if (!OpInfo.HasEffect(instr) || instr.Op == Op.Guard || instr.Op == Op.Throw) return false;
                if (OpInfo.WritesElements(instr.Op)) return instr.Args[0] == sequence || (!Own(sequence) && !Own(instr.Args[0]));
                return !Own(sequence) || instr.Args.Contains(sequence);
            }

            /// <summary>
            /// A buffer the function allocates that no other value can name: never carried, yielded, passed to an ordinary
            /// call or member, nor made into another sequence (a slice).
            /// </summary>
            private bool Own(int sequence)
            {
                if (_own.TryGetValue(sequence, out bool own)) return own;
                own = _info.TryGetDefinition(sequence, out var allocation) && allocation.Op == Op.NewBuffer && !allocation.HasRegions
                    && _info.UsesOf(sequence).All(use => use.User is Instr user && !user.HasRegions
                        && user.Op != Op.CallStatic && user.Op != Op.CallMember && user.Op != Op.LoadMember
                        && (user.Op == Op.NewBuffer || (user.Type.Kind != ValueKind.Sequence && !user.Results.Any(r => r.Type.Kind == ValueKind.Sequence))));
                return _own[sequence] = own;
            }
        }

        /// <summary><paramref name="body"/> without the merged reads, every operand and yield renamed.</summary>
        private static EquatableArray<Instr> Rewrite(EquatableArray<Instr> body, Dictionary<int, int> same, System.Func<int, int> rename) =>
            body.Where(i => i.HasRegions || !same.ContainsKey(i.Id)).Select(i => i with
            {
                Args = i.Args.Select(rename).ToEquatableArray(),
                Regions = i.HasRegions
                    ? i.Regions.Select(r => r with { Body = Rewrite(r.Body, same, rename), Yields = r.Yields.Select(rename).ToEquatableArray() }).ToEquatableArray()
                    : i.Regions,
            }).ToEquatableArray();
    }
}
