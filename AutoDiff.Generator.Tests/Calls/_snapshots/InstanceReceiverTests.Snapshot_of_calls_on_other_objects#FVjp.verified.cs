/// <summary>Reverse mode: returns F(…) and adds seed × its partial derivative with respect to each of x, y into the matching adjoint.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public double FVjp(double x, double y, global::Demo.Model m, double seed, ref double xAdj, ref double yAdj)
{
    double tmp = m.Predict(x);
    global::Demo.Model tmp2 = this._model;
    double tmp3 = x * y;
    double tmp4 = tmp2.Predict(tmp3);
    global::Demo.Model tmp5 = this.Prop;
    double contribution = 0;
    double contribution2 = 0;
    double tmp6 = this.L.ForwardVjp(x, y, seed, ref contribution, ref contribution2);
    double contribution3 = 0;
    tmp5.PredictVjp(y, seed, ref contribution3);
    double contribution4 = 0;
    tmp2.PredictVjp(tmp3, seed * tmp, ref contribution4);
    yAdj += (contribution2 + contribution3 + contribution4 * x);
    double contribution5 = 0;
    m.PredictVjp(x, seed * tmp4, ref contribution5);
    xAdj += (contribution + contribution4 * y + contribution5);
    return tmp * tmp4 + tmp5.Predict(y) + tmp6;
}
