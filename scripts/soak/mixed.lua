-- wrk script for scripts/soak.sh: 100,000 distinct users, clients (API keys) and search
-- queries over mixed routes, reads and writes.
local words = {"love", "star", "man", "dark", "the", "night", "war", "life", "king", "girl", "day", "city", "blue", "lost", "home"}
local movies = {27205, 155, 603, 13, 680, 278, 550, 238, 862, 11, 120, 122, 157336, 24428, 19995}
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end


request = function()
  counter = counter + 1
  -- A walk through all 100,000 users in a scattered order (7919 is prime to 100,000), each
  -- thread from its own start: every user, client and query recurs, so memory must plateau.
  local n = (counter * 7919 + thread_id * 50021) % 100000 + 1
  local user = "soak-" .. n
  -- Each user its own client address through the trusted proxy (an unverified API key names no client).
  local headers = {["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)}
  local r = math.random(0, 19)
  if r < 7 then
    return wrk.format("GET", "/users/" .. user .. "/recommendations/personalized?limit=10", headers)
  elseif r < 12 then
    return wrk.format("GET", "/movies/search?query=" .. words[n % #words + 1] .. "+" .. n, headers)
  elseif r < 14 then
    return wrk.format("GET", "/movies/" .. movies[n % #movies + 1], headers)
  elseif r < 16 then
    return wrk.format("GET", "/recommendations/similar/" .. movies[n % #movies + 1] .. "?limit=10", headers)
  elseif r < 17 then
    return wrk.format("GET", "/recommendations/popular?limit=10", headers)
  elseif r < 19 then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/users/" .. user .. "/preferences", headers,
      '{"movie_id": ' .. movies[n % #movies + 1] .. ', "rating": 4.5}')
  else
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/events", headers,
      '{"events": [{"event_id": "soak-' .. thread_id .. '-' .. counter .. '", "type": "impression", "user_id": "' .. user ..
      '", "movie_id": ' .. movies[n % #movies + 1] .. ', "timestamp": 1795600000}]}')
  end
end
