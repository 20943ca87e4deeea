using System;
using AutoDiff;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// ADBench's bundle adjustment (BA) residual for one observation, as its reference code writes it
    /// (<c>computeReprojError</c>): a camera of 11 parameters (Rodrigues rotation r = cam[0..2], centre C = cam[3..5],
    /// focal length f = cam[6], principal point x₀ = cam[7..8], radial distortion k = cam[9..10]), a 3-D point X, a
    /// weight w and the observed feature (fx, fy):
    /// <code>
    /// p = R(r)·(X − C)            Rodrigues: θ = |r|, ω = r/θ, R v = v cos θ + (ω × v) sin θ + ω (ω·v)(1 − cos θ)
    ///                             (θ = 0: R v = v + r × v, the first-order form, as ADBench writes it)
    /// u = p₀/p₂, v = p₁/p₂,  ρ = u² + v²,  L = 1 + k₀ρ + k₁ρ²
    /// err = w·(f·L·(u, v) + x₀ − (fx, fy))
    /// </code>
    /// Its Jacobian is the 2 × 15 block (cam, X, w) ADBench's BA objective assembles per observation.
    /// </summary>
    public static partial class Ba
    {
        /// <summary>Number of columns of an observation's Jacobian: 11 camera parameters, 3 point coordinates, the weight.</summary>
        public const int Columns = 15;

        [Differentiable]
        public static void ReprojectionError(ReadOnlySpan<double> cam, ReadOnlySpan<double> x, double w,
            [NoDerivative] double featureX, [NoDerivative] double featureY, Span<double> err)
        {
            double x0 = x[0] - cam[3], x1 = x[1] - cam[4], x2 = x[2] - cam[5];
            double r0 = cam[0], r1 = cam[1], r2 = cam[2];
            double sqtheta = r0 * r0 + r1 * r1 + r2 * r2;
            double p0, p1, p2;
            if (sqtheta != 0)
            {
                double theta = Math.Sqrt(sqtheta);
                double costheta = Math.Cos(theta);
                double sintheta = Math.Sin(theta);
                double thetaInverse = 1.0 / theta;
                double w0 = r0 * thetaInverse, w1 = r1 * thetaInverse, w2 = r2 * thetaInverse;
                double c0 = w1 * x2 - w2 * x1, c1 = w2 * x0 - w0 * x2, c2 = w0 * x1 - w1 * x0;
                double tmp = (w0 * x0 + w1 * x1 + w2 * x2) * (1.0 - costheta);
                p0 = x0 * costheta + c0 * sintheta + w0 * tmp;
                p1 = x1 * costheta + c1 * sintheta + w1 * tmp;
                p2 = x2 * costheta + c2 * sintheta + w2 * tmp;
            }
            else
            {
                p0 = x0 + (r1 * x2 - r2 * x1);
                p1 = x1 + (r2 * x0 - r0 * x2);
                p2 = x2 + (r0 * x1 - r1 * x0);
            }
            double u = p0 / p2, v = p1 / p2;
            double rsq = u * u + v * v;
            double l = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
            err[0] = w * (u * l * cam[6] + cam[7] - featureX);
            err[1] = w * (v * l * cam[6] + cam[8] - featureY);
        }
    }
}
