using System.Numerics;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The gradient of <see cref="SpringSquare.Energy"/> derived by hand. For one spring between pᵢ and pⱼ with rest length r,
    /// d = pᵢ − pⱼ, L = |d|, s = L − r and energy ½k s²:
    ///   ∂L/∂pᵢ = d/L,  so ∂(½k s²)/∂pᵢ = k s d/L =: f,  ∂/∂pⱼ = −f,  ∂/∂k = ½ s².
    /// Gravity adds g to the Y component of every ∂E/∂pᵢ. Each spring costs one Length, one division and a few vector
    /// operations; the primal's distances are computed once and reused.
    /// </summary>
    public static class NumericsHandWritten
    {
        public static float SpringSquareGradient(Vector3 p0, Vector3 p1, Vector3 p2, Vector3 p3, float k,
            out Vector3 d0, out Vector3 d1, out Vector3 d2, out Vector3 d3, out float dk)
        {
            Vector3 u01 = p0 - p1, u12 = p1 - p2, u23 = p2 - p3, u30 = p3 - p0, u02 = p0 - p2;
            float l01 = u01.Length(), l12 = u12.Length(), l23 = u23.Length(), l30 = u30.Length(), l02 = u02.Length();
            float s01 = l01 - 1f, s12 = l12 - 1f, s23 = l23 - 1f, s30 = l30 - 1f, s02 = l02 - SpringSquare.Diagonal;
            float elastic = 0.5f * k * (s01 * s01 + s12 * s12 + s23 * s23 + s30 * s30 + s02 * s02);
            float value = elastic + SpringSquare.Gravity * (p0.Y + p1.Y + p2.Y + p3.Y);

            // f = k·s·d/L per spring, added to its first end and subtracted from its second.
            Vector3 f01 = (k * s01 / l01) * u01, f12 = (k * s12 / l12) * u12, f23 = (k * s23 / l23) * u23;
            Vector3 f30 = (k * s30 / l30) * u30, f02 = (k * s02 / l02) * u02;
            var g = new Vector3(0f, SpringSquare.Gravity, 0f);
            d0 = f01 - f30 + f02 + g;
            d1 = f12 - f01 + g;
            d2 = f23 - f12 - f02 + g;
            d3 = f30 - f23 + g;
            dk = 0.5f * (s01 * s01 + s12 * s12 + s23 * s23 + s30 * s30 + s02 * s02);
            return value;
        }
    }
}
