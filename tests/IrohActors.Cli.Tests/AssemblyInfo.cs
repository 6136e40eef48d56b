// CLI tests run commands in-process and may redirect the process-wide Console; run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
