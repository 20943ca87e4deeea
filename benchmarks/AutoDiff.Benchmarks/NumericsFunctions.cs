using System.Numerics;
using AutoDiff;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// A small mass–spring system in <see cref="Vector3"/> (issue 16): four unit masses at p₀…p₃ joined by five springs
    /// of stiffness k, the sides of a unit square (rest length 1) and one diagonal (rest length √2), under gravity:
    ///   E = ½k Σ_{(i,j)} (|pᵢ − pⱼ| − rᵢⱼ)² + g Σᵢ pᵢ.Y,  g = 9.81.
    /// Active: the four positions and k. The hand-written gradient is in <see cref="NumericsHandWritten"/>.
    /// </summary>
    public static partial class SpringSquare
    {
        public const float Diagonal = 1.41421356f, Gravity = 9.81f;

        [Differentiable]
        public static float Energy(Vector3 p0, Vector3 p1, Vector3 p2, Vector3 p3, float k)
        {
            float s01 = Vector3.Distance(p0, p1) - 1f;
            float s12 = Vector3.Distance(p1, p2) - 1f;
            float s23 = Vector3.Distance(p2, p3) - 1f;
            float s30 = Vector3.Distance(p3, p0) - 1f;
            float s02 = Vector3.Distance(p0, p2) - Diagonal;
            float elastic = 0.5f * k * (s01 * s01 + s12 * s12 + s23 * s23 + s30 * s30 + s02 * s02);
            return elastic + Gravity * (p0.Y + p1.Y + p2.Y + p3.Y);
        }
    }
}
