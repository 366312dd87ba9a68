-- Picks a random "host path" line per request. Args: <targets file> [close]
local targets = {}
local close = false
init = function(args)
  for line in io.lines(args[1]) do
    local h, p = line:match("^(%S+) (%S+)$")
    if h then targets[#targets + 1] = { h, p } end
  end
  close = args[2] == "close"
  math.randomseed(os.time())
end
request = function()
  local t = targets[math.random(#targets)]
  if close then
    return wrk.format("GET", t[2], { Host = t[1], Connection = "close" })
  end
  return wrk.format("GET", t[2], { Host = t[1] })
end
