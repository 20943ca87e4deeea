using System;
using System.ComponentModel;

namespace AutoDiff
{
    /// <summary>
    /// What generated companions call for arrays whose elements take two indices (<c>T[,]</c>, <c>T[][]</c>): their
    /// derivatives are arrays of the same shape, checked, cleared and (as scratch) made here. Plumbing, not API.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class Shapes
    {
        /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="derivative"/> has the shape of <paramref name="of"/>.</summary>
        public static void Check<T>(T[,] derivative, T[,] of, string name, string ofName)
        {
            if (derivative.GetLength(0) != of.GetLength(0) || derivative.GetLength(1) != of.GetLength(1))
                throw new ArgumentException(name + " must have the shape of " + ofName + ".", name);
        }

        /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="derivative"/> has as many rows as <paramref name="of"/>, each as long.</summary>
        public static void Check<T>(T[][] derivative, T[][] of, string name, string ofName)
        {
            if (derivative.Length != of.Length) throw new ArgumentException(name + " must have the shape of " + ofName + ".", name);
            for (int i = 0; i < of.Length; i++)
            {
                if (derivative[i].Length != of[i].Length) throw new ArgumentException(name + " must have the shape of " + ofName + ": row " + i + " differs.", name);
            }
        }

        /// <summary>Sets every element to zero.</summary>
        public static void Clear<T>(T[,] array) => Array.Clear(array, 0, array.Length);

        /// <summary>Sets every element of every row to zero.</summary>
        public static void Clear<T>(T[][] array)
        {
            foreach (var row in array) Array.Clear(row, 0, row.Length);
        }

        /// <summary>A zeroed array of the shape of <paramref name="of"/>.</summary>
        public static T[,] Like<T>(T[,] of) => new T[of.GetLength(0), of.GetLength(1)];

        /// <summary>A zeroed array with the rows of <paramref name="of"/>, each as long.</summary>
        public static T[][] Like<T>(T[][] of)
        {
            var result = new T[of.Length][];
            for (int i = 0; i < of.Length; i++) result[i] = new T[of[i].Length];
            return result;
        }
    }
}
