using System;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// Gradients derived by hand, written the way a careful person would: shared subexpressions
    /// computed once, identities of the function used where they save work. They are the bar the
    /// generated code is measured against, and <c>--verify</c> checks them against the generated
    /// gradients and against finite differences.
    /// </summary>
    public static class HandWritten
    {
        /// <summary>∂f/∂x = −2(1 − x) − 400·x·(y − x²), ∂f/∂y = 200·(y − x²).</summary>
        public static double RosenbrockGradient(double x, double y, out double dx, out double dy)
        {
            double u = 1 - x;
            double v = y - x * x;
            double twoHundredV = 200 * v;
            dx = -2 * u - 2 * x * twoHundredV;
            dy = twoHundredV;
            return u * u + 100 * v * v;
        }

        /// <summary>
        /// With the end effector at (x, y) and error (ex, ey) = (x − tx, y − ty):
        /// ∂x/∂θ1 = −y, ∂y/∂θ1 = x (the whole arm turns about the shoulder), ∂x/∂θ2 = −L2·sin(θ1+θ2),
        /// ∂y/∂θ2 = L2·cos(θ1+θ2); so ∂f/∂θ1 = 2(−ex·y + ey·x) and ∂f/∂θ2 = 2·L2·(−ex·sin(θ1+θ2) + ey·cos(θ1+θ2)).
        /// Four transcendental calls, the same as the primal.
        /// </summary>
        public static double TwoLinkArmGradient(TwoLinkArm arm, double theta1, double theta2, double targetX, double targetY,
            out double dTheta1, out double dTheta2)
        {
            double l1 = arm.UpperLength, l2 = arm.LowerLength;
            double elbow = theta1 + theta2;
            double cos1 = Math.Cos(theta1), sin1 = Math.Sin(theta1);
            double cos12 = Math.Cos(elbow), sin12 = Math.Sin(elbow);
            double x = l1 * cos1 + l2 * cos12;
            double y = l1 * sin1 + l2 * sin12;
            double ex = x - targetX;
            double ey = y - targetY;
            dTheta1 = 2 * (ey * x - ex * y);
            dTheta2 = 2 * l2 * (ey * cos12 - ex * sin12);
            return ex * ex + ey * ey;
        }

        /// <summary>
        /// P = S·N(d1) − K·e^(−rT)·N(d2), with d1 = (ln(S/K) + (r + σ²/2)T)/(σ√T), d2 = d1 − σ√T and
        /// N(z) = ½(1 + tanh(g(z))), g(z) = c(z + a·z³), so N′(z) = ½(1 − tanh²(g))·c(1 + 3a·z²).
        /// Because N is only an approximation of the normal CDF, the textbook identity
        /// S·φ(d1) = K·e^(−rT)·φ(d2) does not hold and the d1/d2 terms are kept explicitly:
        ///   ∂d1/∂S = 1/(Sσ√T), ∂d1/∂K = −1/(Kσ√T), ∂d1/∂r = √T/σ,
        ///   ∂d1/∂σ = √T − d1/σ, ∂d1/∂T = (r + σ²/2)/(σ√T) − d1/(2T);
        ///   ∂d2/∂· = ∂d1/∂· except ∂d2/∂σ = −d1/σ and ∂d2/∂T = ∂d1/∂T − σ/(2√T).
        /// With D = K·e^(−rT), A = S·N′(d1), B = D·N′(d2):
        ///   ∂P/∂S = N(d1) + (A − B)/(Sσ√T)          ∂P/∂K = −e^(−rT)·N(d2) − (A − B)/(Kσ√T)
        ///   ∂P/∂r = T·D·N(d2) + (A − B)·√T/σ        ∂P/∂σ = A·√T − (A − B)·d1/σ
        ///   ∂P/∂T = r·D·N(d2) + (A − B)·∂d1/∂T + B·σ/(2√T)
        /// </summary>
        public static double CallOptionGradient(double spot, double strike, double years, double rate, double volatility,
            out double dSpot, out double dStrike, out double dYears, out double dRate, out double dVolatility)
        {
            const double c = CallOption.SqrtTwoOverPi, a = CallOption.CubicCoefficient;
            double sqrtYears = Math.Sqrt(years);
            double volSqrtYears = volatility * sqrtYears;
            double drift = rate + 0.5 * volatility * volatility;
            double d1 = (Math.Log(spot / strike) + drift * years) / volSqrtYears;
            double d2 = d1 - volSqrtYears;
            double t1 = Math.Tanh(c * (d1 + a * d1 * d1 * d1));
            double t2 = Math.Tanh(c * (d2 + a * d2 * d2 * d2));
            double n1 = 0.5 * (1 + t1);
            double n2 = 0.5 * (1 + t2);
            double density1 = 0.5 * (1 - t1 * t1) * c * (1 + 3 * a * d1 * d1);
            double density2 = 0.5 * (1 - t2 * t2) * c * (1 + 3 * a * d2 * d2);
            double discount = Math.Exp(-rate * years);
            double discountedStrike = strike * discount;

            double spotTerm = spot * density1;               // A
            double strikeTerm = discountedStrike * density2; // B
            double common = spotTerm - strikeTerm;           // A − B, multiplies ∂d1/∂· wherever ∂d2/∂· = ∂d1/∂·
            dSpot = n1 + common / (spot * volSqrtYears);
            dStrike = -discount * n2 - common / (strike * volSqrtYears);
            dRate = years * discountedStrike * n2 + common * sqrtYears / volatility;
            dVolatility = spotTerm * sqrtYears - common * d1 / volatility;
            double dd1dYears = drift / volSqrtYears - d1 / (2 * years);
            dYears = rate * discountedStrike * n2 + common * dd1dYears + strikeTerm * volatility / (2 * sqrtYears);
            return spot * n1 - discountedStrike * n2;
        }
    }
}
