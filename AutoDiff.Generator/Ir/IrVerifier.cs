using System.Collections.Generic;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// Checks the SSA invariants every transform must keep: each value defined once, before its uses,
    /// and operand types consistent with the operation.
    /// </summary>
    public static class IrVerifier
    {
        public static IReadOnlyList<string> Verify(IrFunction function)
        {
            var errors = new List<string>();
            var types = new Dictionary<int, TypeRef>();
            foreach (var p in function.Params)
            {
                if (types.ContainsKey(p.Id)) errors.Add($"%{p.Id} defined twice");
                types[p.Id] = p.Type;
            }
            foreach (var instr in function.Body)
            {
                foreach (int arg in instr.Args)
                {
                    if (!types.ContainsKey(arg)) errors.Add($"%{instr.Id} uses %{arg} before its definition");
                }
                if (types.ContainsKey(instr.Id)) errors.Add($"%{instr.Id} defined twice");
                types[instr.Id] = instr.Type;
                CheckTypes(instr, types, errors);
            }
            foreach (var result in function.Results)
            {
                if (!types.ContainsKey(result.Value)) errors.Add($"result {result.Name} refers to undefined %{result.Value}");
            }
            return errors;
        }

        private static void CheckTypes(Instr instr, Dictionary<int, TypeRef> types, List<string> errors)
        {
            TypeRef Arg(int i) => types.TryGetValue(instr.Args[i], out var t) ? t : instr.Type;
            switch (instr.Op)
            {
                case Op.Neg:
                case Op.Add:
                case Op.Sub:
                case Op.Mul:
                case Op.Div:
                case Op.Rem:
                    for (int i = 0; i < instr.Args.Count; i++)
                    {
                        if (Arg(i) != instr.Type) errors.Add($"%{instr.Id}: operand %{instr.Args[i]} is {Arg(i)}, expected {instr.Type}");
                    }
                    break;
                case Op.Lt:
                case Op.Le:
                case Op.Gt:
                case Op.Ge:
                case Op.Eq:
                case Op.Ne:
                    if (instr.Type.Kind != ValueKind.Bool) errors.Add($"%{instr.Id}: a comparison yields bool");
                    if (Arg(0) != Arg(1)) errors.Add($"%{instr.Id}: compared operands differ in type");
                    break;
                case Op.Select:
                    if (Arg(0).Kind != ValueKind.Bool) errors.Add($"%{instr.Id}: select condition must be bool");
                    if (Arg(1) != instr.Type || Arg(2) != instr.Type) errors.Add($"%{instr.Id}: select arms must match the result type");
                    break;
            }
        }
    }
}
