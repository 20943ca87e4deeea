using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>Copies instructions, regions included, into another function under construction.</summary>
    internal static class Replay
    {
        /// <summary>
        /// Re-creates <paramref name="instr"/> in <paramref name="b"/> with its operands renamed by
        /// <paramref name="map"/>, which also receives the new ids of everything it defines. With
        /// <paramref name="simplify"/> the builder's folding applies; without it the primal keeps its
        /// exact shape (so the primal value is bit-identical).
        /// </summary>
        public static void Copy(IrBuilder b, Instr instr, Dictionary<int, int> map, bool simplify)
        {
            if (instr.HasRegions || instr.Results.Count > 0) CopyStructured(b, instr, map, simplify);
            else map[instr.Id] = CopySimple(b, instr, map, simplify);
        }

        /// <summary>An if, a loop or another operation with several results (apart: its lambdas' closure would be allocated for every copy).</summary>
        private static void CopyStructured(IrBuilder b, Instr instr, Dictionary<int, int> map, bool simplify)
        {
            var regions = instr.Regions.Select(region => CopyRegion(b, region, map, simplify)).ToList();
            var ids = b.EmitStructured(instr.Op, instr.Args.Select(a => map[a]).ToArray(), regions,
                instr.Results.Select(r => ((string?)(r.Name.Length > 0 ? r.Name : null), r.Type)).ToList(), instr.Payload);
            for (int i = 0; i < ids.Length; i++) map[instr.Results[i].Id] = ids[i];
        }

        public static void CopyBlock(IrBuilder b, IEnumerable<Instr> body, Dictionary<int, int> map, bool simplify)
        {
            foreach (var instr in body) Copy(b, instr, map, simplify);
        }

        private static Region CopyRegion(IrBuilder b, Region region, Dictionary<int, int> map, bool simplify)
        {
            var ids = b.BeginRegion(region.Params.Select(p => (p.Name, p.Type)).ToList());
            for (int i = 0; i < ids.Length; i++) map[region.Params[i].Id] = ids[i];
            CopyBlock(b, region.Body, map, simplify);
            return b.EndRegion(region.Yields.Select(y => map[y]).ToList());
        }

        private static int CopySimple(IrBuilder b, Instr instr, IReadOnlyDictionary<int, int> map, bool simplify)
        {
            var args = Mapped(instr.Args, map);
            int mark = b.Mark;
            if (instr.Op == Op.Const && instr.Constant.String == null) return b.Const(instr.Constant.Value, instr.Type, instr.Constant.Digits);
            if (simplify && instr.Type.IsFloating)
            {
                switch (instr.Op)
                {
                    case Op.Neg: return Named(b, mark, b.Neg(args[0]), instr.Name);
                    case Op.Add: return Named(b, mark, b.Add(args[0], args[1]), instr.Name);
                    case Op.Sub: return Named(b, mark, b.Sub(args[0], args[1]), instr.Name);
                    case Op.Mul: return Named(b, mark, b.Mul(args[0], args[1]), instr.Name);
                    case Op.Div: return Named(b, mark, b.Div(args[0], args[1]), instr.Name);
                    case Op.Convert: return Named(b, mark, b.Convert(args[0], instr.Type), instr.Name);
                }
            }
            return b.Emit(instr.Op, instr.Type, args, instr.Name, instr.Payload);
        }

        /// <summary>The copies of <paramref name="args"/> (a loop: this runs once per instruction of every pass).</summary>
        public static int[] Mapped(EquatableArray<int> args, IReadOnlyDictionary<int, int> map)
        {
            var mapped = new int[args.Count];
            for (int i = 0; i < mapped.Length; i++) mapped[i] = map[args[i]];
            return mapped;
        }

        private static int Named(IrBuilder b, int mark, int value, string? name)
        {
            if (name != null) b.NameValue(value, name, mark);
            return value;
        }
    }
}
