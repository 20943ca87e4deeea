using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Copies a function into a new builder, instruction by instruction and region by region, renaming its values
    /// (<see cref="Map"/>); a pass that rewrites a few instructions says which in <see cref="Rewrite"/> and leaves the rest
    /// to the copy (<c>fuse-adjoint-loops</c>' zero starts, <c>vector-sums</c>).
    /// </summary>
    internal abstract class FunctionCopy
    {
        protected FunctionCopy(FunctionInfo info) => Info = info;

        protected FunctionInfo Info { get; }

        protected IrBuilder Builder { get; } = new IrBuilder();

        /// <summary>Each value of the input function, by id, as the copy's id.</summary>
        protected Dictionary<int, int> Map { get; } = new Dictionary<int, int>();

        public IrFunction Build()
        {
            var function = Info.Function;
            foreach (var p in function.Params) Map[p.Id] = Builder.Param(p.Name, p.Type);
            Block(function.Body);
            return Builder.Build(function.Name, function.Results.Select(r => new IrResult(r.Name, Map[r.Value])));
        }

        /// <summary>Emits what stands in <paramref name="instr"/>'s place and returns true, or returns false to have it copied.</summary>
        protected abstract bool Rewrite(Instr instr);

        private void Block(EquatableArray<Instr> body)
        {
            foreach (var instr in body)
            {
                if (Rewrite(instr)) continue;
                if (!instr.HasRegions) Replay.Copy(Builder, instr, Map, simplify: false);
                else Structured(instr, instr.Args.Select(a => Map[a]).ToArray());
            }
        }

        /// <summary>An if or a loop copied with <paramref name="args"/> as its operands, its regions copied (and rewritten) in turn.</summary>
        protected void Structured(Instr instr, int[] args)
        {
            var regions = new List<Region>();
            foreach (var region in instr.Regions)
            {
                var ids = Builder.BeginRegion(region.Params.Select(p => (p.Name, p.Type)).ToList());
                for (int i = 0; i < ids.Length; i++) Map[region.Params[i].Id] = ids[i];
                Block(region.Body);
                regions.Add(Builder.EndRegion(region.Yields.Select(y => Map[y]).ToList()));
            }
            var results = Builder.EmitStructured(instr.Op, args, regions, instr.Results.Select(r => ((string?)(r.Name.Length > 0 ? r.Name : null), r.Type)).ToList(), instr.Payload);
            for (int i = 0; i < results.Length; i++) Map[instr.Results[i].Id] = results[i];
        }
    }
}
