namespace ApprovalFunctions.Core.Tests.Policy;

public class IsoDurationTests
{
    [Theory]
    [InlineData("PT4H", 4 * 3600)]
    [InlineData("PT15M", 15 * 60)]
    [InlineData("PT90S", 90)]
    [InlineData("PT1.5S", 1.5)]
    [InlineData("P1D", 86400)]
    [InlineData("P2W", 14 * 86400)]
    [InlineData("P1DT12H", 36 * 3600)]
    [InlineData("PT1H30M", 5400)]
    [InlineData("PT0S", 0)]
    public void TryParse_ExactDurations_Parse(string text, double seconds)
    {
        Assert.True(IsoDuration.TryParse(text, out TimeSpan value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("4h")]
    [InlineData("P1Y")]
    [InlineData("P1M")]
    [InlineData("PT1H1H")]
    [InlineData("PT30M1H")]
    [InlineData("P1.5D")]
    [InlineData("-PT1H")]
    [InlineData("PT1HT1M")]
    [InlineData("p1d")]
    public void TryParse_AnythingElse_IsRefused(string text) => Assert.False(IsoDuration.TryParse(text, out _));

    [Theory]
    [InlineData(3600, "PT1H")]
    [InlineData(5400, "PT1H30M")]
    [InlineData(86400, "P1D")]
    [InlineData(90061, "P1DT1H1M1S")]
    [InlineData(0, "PT0S")]
    [InlineData(0.25, "PT0.25S")]
    public void Format_RoundTrips(double seconds, string expected)
    {
        Assert.Equal(expected, IsoDuration.Format(TimeSpan.FromSeconds(seconds)));
        Assert.Equal(TimeSpan.FromSeconds(seconds), IsoDuration.Parse(expected));
    }
}
