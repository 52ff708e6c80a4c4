"""The pipeline's middle: one group's data loaded once (``group``), the reply threads and the
response each message draws (``engagement``), and members' influence (``influence``)."""
