/// <summary>Forward mode: returns F(…) and its directional derivative along the given tangents of x, y.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public double FJvp(double x, double y, global::Demo.Model m, double xDot, double yDot, out double tangent)
{
    double tmp = m.Predict(x);
    m.PredictJvp(x, xDot, out double tangent2);
    global::Demo.Model tmp2 = this._model;
    double tmp3 = x * y;
    double tmp4 = tmp2.Predict(tmp3);
    tmp2.PredictJvp(tmp3, xDot * y + yDot * x, out double tangent3);
    global::Demo.Model tmp5 = this.Prop;
    tmp5.PredictJvp(y, yDot, out double tangent4);
    global::Demo.Layer<int> tmp6 = this.L;
    tmp6.ForwardJvp(x, y, xDot, yDot, out double tangent5);
    tangent = tangent2 * tmp4 + tangent3 * tmp + tangent4 + tangent5;
    return tmp * tmp4 + tmp5.Predict(y) + tmp6.Forward(x, y);
}
