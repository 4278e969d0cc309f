"""What facilitators show: stories of runs, the offline HTML report, animations and the live dashboard."""
