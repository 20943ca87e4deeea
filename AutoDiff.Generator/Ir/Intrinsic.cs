namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// The <c>System.Math</c>/<c>System.MathF</c> functions the rule table knows. The enum name is
    /// the member name in both classes.
    /// </summary>
    public enum Intrinsic
    {
        None,
        Sin,
        Cos,
        Tan,
        Asin,
        Acos,
        Atan,
        Atan2,
        Sinh,
        Cosh,
        Tanh,
        Exp,
        Log,
        Log10,
        Log2,
        Sqrt,
        Cbrt,
        Pow,
        Abs,
        Max,
        Min,
        FusedMultiplyAdd,
        Floor,
        Ceiling,
        Round,
        Truncate,
        Sign,
    }
}
