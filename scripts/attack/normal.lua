-- The normal client of scripts/attack.sh: catalogue and recommendation reads in rotation.
local paths = { "/movies/603", "/recommendations/popular?limit=10", "/recommendations/similar/27205?limit=10", "/genres" }
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
