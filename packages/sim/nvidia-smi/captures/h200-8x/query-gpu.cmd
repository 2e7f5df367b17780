nvidia-smi --query-gpu=index,name,memory.total,driver_version,power.limit,pstate --format=csv
