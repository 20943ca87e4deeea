using System;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Loops that record on a tape, for the tape cursors (<c>Tape.Open</c>/<c>Close</c> around a loop whose every use of a
/// tape is a push into reserved room or a pop; TapeCursorTests): a product over a known count, recorded in one loop and
/// taken back in the reverse loop; a loop of unknown count, whose pushes check for room and may grow the tape.
/// </summary>
public static partial class TapeCursors
{
    /// <summary>Π (1 + sin(wᵢ)·x) over the elements: each factor is recorded (the product is overwritten).</summary>
    [Differentiable]
    public static double Product(double[] w, double x)
    {
        double p = 1;
        for (int i = 0; i < w.Length; i++) p *= 1 + Math.Sin(w[i]) * x;
        return p;
    }

    /// <summary>Halves y until it is at most 1, then adds the first element: the loop's count depends on the values.</summary>
    [Differentiable]
    public static double HalveUntilSmall(double y, double[] w)
    {
        double s = y * y + 2;
        while (s > 1) s = Math.Sqrt(s) * 0.75 + Math.Sin(s) * 0.01;
        return s * w[0];
    }
}
