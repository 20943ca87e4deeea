namespace AutoDiff
{
    /// <summary>Markers the generator understands inside <c>[Differentiable]</c> methods.</summary>
    public static class Ad
    {
        /// <summary>
        /// Returns <paramref name="x"/> unchanged, but its derivative is zero: what flows through it is
        /// treated as a constant, like JAX's <c>stop_gradient</c> or Swift's <c>withoutDerivative(at:)</c>.
        /// </summary>
        public static double StopGradient(double x) => x;

        /// <inheritdoc cref="StopGradient(double)"/>
        public static float StopGradient(float x) => x;
    }
}
