namespace AutoDiff.Generator { public static class Placeholder3 {} }
