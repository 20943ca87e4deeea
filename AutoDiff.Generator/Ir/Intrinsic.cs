namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// The functions the rule table knows: <c>System.Math</c>/<c>System.MathF</c> members, and
    /// <c>AutoDiff.Ad</c>/<c>AutoDiff.AdMath</c> ones. The enum name is the member name.
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
        /// <summary><c>AutoDiff.Ad.StopGradient</c>: identity with derivative zero.</summary>
        StopGradient,
        /// <summary><c>AutoDiff.AdMath</c> members, with stable rules.</summary>
        Softplus,
        Sigmoid,
        LogSigmoid,
        LogSumExp,
    }
}
