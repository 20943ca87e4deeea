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
            new Finder(info, same).Block(function.Body, new Dictionary<int, Dictionary<string, int>>());
            if (same.Count == 0) return function;

            // Drop the merged reads and rename their uses, then copy (ids renumbered; what became equal is numbered once).
            int Rename(int value) => same.TryGetValue(value, out int first) ? first : value;
            var b = new IrBuilder();
            var map = new Dictionary<int, int>();
            foreach (var p in function.Params) map[p.Id] = b.Param(p.Name, p.Type);
            Replay.CopyBlock(b, Rewrite(function.Body, same, Rename), map, simplify: false);
            return b.Build(function.Name, function.Results.Select(r => new IrResult(r.Name, map[Rename(r.Value)])));
        }

        /// <summary>What an instruction, or an if or a loop with everything inside it, may write.</summary>
        private sealed class Writes
        {
            public static readonly Writes None = new Writes();

            /// <summary>The sequences it writes, or gives to a call with an effect.</summary>
            public HashSet<int> Sequences { get; } = new HashSet<int>();

            /// <summary>It writes a sequence that is not the function's own buffer, or makes a call with an effect: it may write every such sequence.</summary>
            public bool Shared { get; set; }

            public bool IsEmpty => Sequences.Count == 0 && !Shared;
        }

        private sealed class Finder
        {
            private readonly FunctionInfo _info;
            private readonly Dictionary<int, int> _same;
            private readonly Dictionary<int, bool> _own = new Dictionary<int, bool>();
            private readonly Dictionary<Instr, Writes> _writes = new Dictionary<Instr, Writes>(ReferenceComparer<Instr>.Instance);

            public Finder(FunctionInfo info, Dictionary<int, int> same)
            {
                _info = info;
                _same = same;
            }

            /// <summary>
            /// Walks <paramref name="body"/> with the reads available on entry, by sequence (each keyed by its type and
            /// renamed operands; a copy is kept per block, so what a region reads is not available after it).
            /// </summary>
            public void Block(EquatableArray<Instr> body, Dictionary<int, Dictionary<string, int>> outer)
            {
                var available = outer.ToDictionary(e => e.Key, e => new Dictionary<string, int>(e.Value));
                foreach (var instr in body)
                {
                    if (instr.HasRegions)
                    {
                        // A loop: nothing its iterations write is the same inside it as before it.
                        if (instr.Op == Op.While) Kill(available, WritesOf(instr));
                        foreach (var region in instr.Regions) Block(region.Body, available);
                        Kill(available, WritesOf(instr));
                        continue;
                    }
                    if (IsMergeable(instr))
                    {
                        string key = instr.Type.Display + string.Concat(instr.Args.Select(a => "," + Rename(a)));
                        if (!available.TryGetValue(instr.Args[0], out var reads)) available[instr.Args[0]] = reads = new Dictionary<string, int>();
                        if (reads.TryGetValue(key, out int earlier)) _same[instr.Id] = earlier;
                        else reads[key] = instr.Id;
                        continue;
                    }
                    if (OpInfo.HasEffect(instr)) Kill(available, WritesOf(instr));
                }
            }

            /// <summary>Forgets the reads of every sequence <paramref name="writes"/> may change.</summary>
            private void Kill(Dictionary<int, Dictionary<string, int>> available, Writes writes)
            {
                if (writes.IsEmpty) return;
                foreach (int sequence in available.Keys.ToList())
                {
                    if (writes.Sequences.Contains(sequence) || (writes.Shared && !Own(sequence))) available.Remove(sequence);
                }
            }

            /// <summary>What <paramref name="instr"/> (with its regions) may write.</summary>
            private Writes WritesOf(Instr instr)
            {
                if (_writes.TryGetValue(instr, out var known)) return known;
                var writes = new Writes();
                if (instr.HasRegions)
                {
                    foreach (var inner in instr.Regions.SelectMany(r => r.Body))
                    {
                        var w = WritesOf(inner);
                        writes.Sequences.UnionWith(w.Sequences);
                        writes.Shared |= w.Shared;
                    }
                }
                else if (!OpInfo.HasEffect(instr) || instr.Op == Op.Guard || instr.Op == Op.Throw)
                {
                    writes = Writes.None;
                }
                else if (OpInfo.WritesElements(instr.Op))
                {
                    writes.Sequences.Add(instr.Args[0]);
                    writes.Shared = !Own(instr.Args[0]);
                }
                else
                {
                    // A call: it may write what it is given, and any memory a span parameter may be.
                    writes.Sequences.UnionWith(instr.Args);
                    writes.Shared = true;
                }
                return _writes[instr] = writes;
            }

            private int Rename(int value) => _same.TryGetValue(value, out int first) ? first : value;

            /// <summary>An element read of a sequence whose elements may change (value numbering merges the others).</summary>
            private bool IsMergeable(Instr instr) =>
                instr.Op == Op.Read || (instr.Op == Op.Element && IrBuilder.IsMutableSequence(_info.TypeOf(instr.Args[0]), _info.Definition(instr.Args[0])));

            /// <summary>
            /// A buffer the function allocates that no other value can name: never carried, yielded, passed to an ordinary
            /// call or member, nor made into another sequence (a slice).
            /// </summary>
            private bool Own(int sequence)
            {
                if (_own.TryGetValue(sequence, out bool own)) return own;
                own = PromoteElements.OwnBuffer(_info, sequence);
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
