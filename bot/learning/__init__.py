"""What only ``replies train`` and ``replies eval`` run: labelled data, fitting,
cross-validation, baselines. Imports the run time (``bot/replies/``), never the reverse."""
