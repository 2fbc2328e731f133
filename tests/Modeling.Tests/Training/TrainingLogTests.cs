using Media.Modeling.Training;

namespace Media.Modeling.Tests.Training;

public sealed class TrainingLogTests
{
    [Fact]
    public void Read_evals_gives_the_evaluation_lines_in_order_and_skips_step_lines_and_a_line_cut_short()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("training-log").FullName, "train.jsonl");
        Assert.Empty(TrainingLog.ReadEvals(path));
        File.WriteAllLines(path,
        [
            """{"step":1,"loss":2.5,"lr":0.001}""",
            """{"step":2,"eval":{"heldout_loss":4.25,"psnr":17.5}}""",
            """{"step":3,"loss":2.1,"lr":0.001}""",
            """{"step":4,"eval":{"heldout_loss":3.75}}""",
            """{"step":5,"eval":{"heldout_lo""",
        ]);
        var evals = TrainingLog.ReadEvals(path);
        Assert.Equal([2L, 4L], evals.Select(e => e.Step));
        Assert.Equal(4.25, evals[0].Metrics["heldout_loss"]);
        Assert.Equal(17.5, evals[0].Metrics["psnr"]);
        Assert.Equal(3.75, evals[1].Metrics["heldout_loss"]);
    }
}
