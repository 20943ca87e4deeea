using System;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// A hand-written Jacobian of <see cref="Ba.ReprojectionError"/>, by the chain rule through its stages (the notation
    /// of <see cref="Ba"/>; v = X − C, [a]× the cross-product matrix, [a]× b = a × b):
    /// <code>
    /// ∂err/∂(f, x₀, k, w):  w·L·(u, v),  w·I,  w·f·ρ·(u, v) and w·f·ρ²·(u, v),  f·L·(u, v) + x₀ − feature
    /// ∂err/∂(u, v) = w·f·(L·I + (u, v)ᵀ·∂L/∂(u, v)),  ∂L/∂(u, v) = 2(k₀ + 2k₁ρ)·(u, v)
    /// ∂(u, v)/∂p = [[1/p₂, 0, −u/p₂], [0, 1/p₂, −v/p₂]]
    /// ∂p/∂X = −∂p/∂C = R = cos θ·I + sin θ·[ω]× + (1 − cos θ)·ω ωᵀ      (θ = 0: I + [r]×)
    /// ∂p/∂r = Σ over the three terms of R v with θ and ω functions of r:  ∂θ/∂r = ωᵀ,  ∂ω/∂r = (I − ω ωᵀ)/θ:
    ///   (−sin θ·v + cos θ·(ω × v) + sin θ·(ω·v)·ω)·ωᵀ − sin θ·[v]×·∂ω/∂r + (1 − cos θ)·(ω·v·∂ω/∂r + ω·vᵀ∂ω/∂r)
    ///                                                                                        (θ = 0: −[v]×)
    /// </code>
    /// </summary>
    public static class BaHandWritten
    {
        /// <summary>Writes err (2) and the 2 × 15 Jacobian, row-major, columns cam (11), X (3), w.</summary>
        public static void Jacobian(ReadOnlySpan<double> cam, ReadOnlySpan<double> x, double w, double featureX, double featureY, Span<double> err, Span<double> jacobian)
        {
            Span<double> v = stackalloc double[3];
            for (int i = 0; i < 3; i++) v[i] = x[i] - cam[3 + i];
            double r0 = cam[0], r1 = cam[1], r2 = cam[2];
            double sqtheta = r0 * r0 + r1 * r1 + r2 * r2;
            Span<double> p = stackalloc double[3];
            // dpdr[i, j] = ∂pᵢ/∂rⱼ, rot[i, j] = ∂pᵢ/∂Xⱼ.
            Span<double> dpdr = stackalloc double[9];
            Span<double> rot = stackalloc double[9];
            if (sqtheta != 0)
            {
                double theta = Math.Sqrt(sqtheta);
                double c = Math.Cos(theta), s = Math.Sin(theta);
                double inverse = 1.0 / theta;
                Span<double> o = stackalloc double[] { r0 * inverse, r1 * inverse, r2 * inverse };
                Span<double> cross = stackalloc double[] { o[1] * v[2] - o[2] * v[1], o[2] * v[0] - o[0] * v[2], o[0] * v[1] - o[1] * v[0] };
                double dot = o[0] * v[0] + o[1] * v[1] + o[2] * v[2];
                for (int i = 0; i < 3; i++) p[i] = v[i] * c + cross[i] * s + o[i] * dot * (1 - c);
                // ∂ω/∂r = (I − ω ωᵀ)/θ.
                Span<double> dodr = stackalloc double[9];
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) dodr[3 * i + j] = ((i == j ? 1 : 0) - o[i] * o[j]) * inverse;
                // [v]×, so ω × v = −[v]× ω and ∂(ω × v)/∂ω = −[v]×.
                Span<double> vx = stackalloc double[] { 0, -v[2], v[1], v[2], 0, -v[0], -v[1], v[0], 0 };
                Span<double> vdodr = stackalloc double[3]; // vᵀ ∂ω/∂r
                for (int j = 0; j < 3; j++) vdodr[j] = v[0] * dodr[j] + v[1] * dodr[3 + j] + v[2] * dodr[6 + j];
                for (int i = 0; i < 3; i++)
                {
                    double alongTheta = -s * v[i] + c * cross[i] + s * dot * o[i];
                    for (int j = 0; j < 3; j++)
                    {
                        double crossTerm = 0;
                        for (int k = 0; k < 3; k++) crossTerm -= vx[3 * i + k] * dodr[3 * k + j];
                        dpdr[3 * i + j] = alongTheta * o[j] + s * crossTerm + (1 - c) * (dot * dodr[3 * i + j] + o[i] * vdodr[j]);
                        rot[3 * i + j] = (i == j ? c : 0) + (1 - c) * o[i] * o[j];
                    }
                }
                // + sin θ [ω]×
                rot[1] -= s * o[2]; rot[2] += s * o[1];
                rot[3] += s * o[2]; rot[5] -= s * o[0];
                rot[6] -= s * o[1]; rot[7] += s * o[0];
            }
            else
            {
                p[0] = v[0] + (r1 * v[2] - r2 * v[1]);
                p[1] = v[1] + (r2 * v[0] - r0 * v[2]);
                p[2] = v[2] + (r0 * v[1] - r1 * v[0]);
                // ∂(r × v)/∂r = −[v]×, ∂(v + r × v)/∂v = I + [r]×.
                dpdr[0] = 0; dpdr[1] = v[2]; dpdr[2] = -v[1];
                dpdr[3] = -v[2]; dpdr[4] = 0; dpdr[5] = v[0];
                dpdr[6] = v[1]; dpdr[7] = -v[0]; dpdr[8] = 0;
                rot[0] = 1; rot[1] = -r2; rot[2] = r1;
                rot[3] = r2; rot[4] = 1; rot[5] = -r0;
                rot[6] = -r1; rot[7] = r0; rot[8] = 1;
            }

            double u = p[0] / p[2], vv = p[1] / p[2];
            double rsq = u * u + vv * vv;
            double k0 = cam[9], k1 = cam[10], f = cam[6];
            double l = 1.0 + k0 * rsq + k1 * rsq * rsq;
            err[0] = w * (u * l * f + cam[7] - featureX);
            err[1] = w * (vv * l * f + cam[8] - featureY);

            jacobian.Clear();
            double dl = 2 * (k0 + 2 * k1 * rsq); // ∂L/∂u = dl·u, ∂L/∂v = dl·v
            Span<double> uv = stackalloc double[] { u, vv };
            for (int row = 0; row < 2; row++)
            {
                Span<double> j = jacobian.Slice(row * Ba.Columns, Ba.Columns);
                // ∂err/∂(u, v), then through ∂(u, v)/∂p to ∂err/∂p.
                double dU = w * f * ((row == 0 ? l : 0) + uv[row] * dl * u);
                double dV = w * f * ((row == 1 ? l : 0) + uv[row] * dl * vv);
                double inverse = 1.0 / p[2];
                double dp0 = dU * inverse, dp1 = dV * inverse, dp2 = -(dU * u + dV * vv) * inverse;
                for (int k = 0; k < 3; k++)
                {
                    j[k] = dp0 * dpdr[k] + dp1 * dpdr[3 + k] + dp2 * dpdr[6 + k];
                    double dx = dp0 * rot[k] + dp1 * rot[3 + k] + dp2 * rot[6 + k];
                    j[11 + k] = dx;
                    j[3 + k] = -dx;
                }
                j[6] = w * uv[row] * l;
                j[7 + row] = w;
                j[9] = w * f * uv[row] * rsq;
                j[10] = w * f * uv[row] * rsq * rsq;
                j[14] = uv[row] * l * f + cam[7 + row] - (row == 0 ? featureX : featureY);
            }
        }
    }
}
