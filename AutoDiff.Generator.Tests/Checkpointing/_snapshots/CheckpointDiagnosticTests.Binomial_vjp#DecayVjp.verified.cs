/// <summary>Reverse mode: returns Decay(…) and adds seed × its partial derivative with respect to each of x, rate into the matching adjoint.</summary>
[global::System.CodeDom.Compiler.GeneratedCode("AutoDiff.Generator", "0.1.0")]
public static double DecayVjp(double x, double rate, int n, double seed, ref double xAdj, ref double rateAdj)
{
    double y = x;
    int i = 0;
    while (i < n)
    {
        y -= 0.01 * rate * global::System.Math.Sin(y);
        i += 1;
    }
    using var scheduleOwner = new global::AutoDiff.Scratch<int>(110);
    global::System.Span<int> schedule = scheduleOwner.Span;
    global::AutoDiff.Checkpointing.Revolve.Start(schedule, n, 100);
    using var snapshotsOwner = new global::AutoDiff.Scratch<double>(100);
    global::System.Span<double> snapshots = snapshotsOwner.Span;
    using var snapshotsOwner2 = new global::AutoDiff.Scratch<int>(100);
    global::System.Span<int> snapshots2 = snapshotsOwner2.Span;
    double y2 = x;
    int i2 = 0;
    double yAdj = seed;
    int move = -1;
    while (move != 0)
    {
        move = global::AutoDiff.Checkpointing.Revolve.Move(schedule);
        int count = schedule[8];
        int slot = schedule[6];
        double y3;
        if ((move & 1) != 0)
        {
            int restoreSlot = schedule[9];
            int tmp = restoreSlot * 1;
            double tmp2 = snapshots[tmp];
            int tmp3 = snapshots2[tmp];
            y3 = tmp2;
            i = tmp3;
        }
        else
        {
            y3 = y2;
            i = i2;
        }
        int step = 0;
        while (step < count)
        {
            y3 -= 0.01 * rate * global::System.Math.Sin(y3);
            i += 1;
            step += 1;
        }
        double y4;
        if ((move & 2) != 0)
        {
            int tmp4 = slot * 1;
            snapshots[tmp4] = y3;
            snapshots2[tmp4] = i;
            y4 = y3;
        }
        else
        {
            double y5;
            if ((move & 4) != 0)
            {
                double yAdj2 = yAdj - yAdj * (0.01 * rate * global::System.Math.Cos(y3));
                rateAdj -= yAdj * (global::System.Math.Sin(y3) * 0.01);
                y5 = y3;
                yAdj = yAdj2;
            }
            else
            {
                y5 = y3;
            }
            y4 = y5;
        }
        y2 = y4;
        i2 = i;
    }
    xAdj += yAdj;
    return y;
}
