using System;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// One SSA instruction: defines value <see cref="Id"/> of <see cref="Type"/> from <see cref="Args"/>.
    /// <see cref="Name"/> is the source variable the value came from (or the tangent/adjoint of one),
    /// kept so emitted code reads like the source.
    /// </summary>
    public sealed record Instr(
        int Id,
        Op Op,
        TypeRef Type,
        EquatableArray<int> Args,
        string? Name = null,
        double Number = 0,
        string? Text = null,
        Intrinsic Fn = Intrinsic.None);

    /// <summary>A function parameter; it defines value <see cref="Id"/>.</summary>
    public sealed record IrParam(int Id, string Name, TypeRef Type);

    /// <summary>A named function result: the value <see cref="Value"/> leaves the function as <see cref="Name"/>.</summary>
    public sealed record IrResult(string Name, int Value);

    /// <summary>
    /// A function in SSA form: parameters, a straight-line body and named results. Functions are
    /// pure (results depend only on parameters), which is what lets transforms compose.
    /// </summary>
    public sealed record IrFunction(
        string Name,
        EquatableArray<IrParam> Params,
        EquatableArray<Instr> Body,
        EquatableArray<IrResult> Results)
    {
        public override string ToString() => IrPrinter.Print(this);
    }
}
