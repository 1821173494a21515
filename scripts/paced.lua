-- wrk script: one request every 10 ms per connection, a steady light load whose
-- latency shows whether other work (a login storm) stalls the workers.
function delay()
  return 10
end
